namespace EdgeCtl.Commands;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int ModelsMissing = 3;
    public const int Interrupted = 130;
}
