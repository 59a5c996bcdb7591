using System.Diagnostics;

namespace EdgeAgent.Updates.Running;

/// <summary>
/// Fault injection for the crash-consistency tests: when <c>EDGEAGENT_FAILPOINT</c> names a step, the agent kills itself
/// with SIGKILL right there — no cleanup, no flush, exactly like kill -9 or a power cut at that moment.
/// </summary>
public static class Failpoint
{
    public const string AfterDownload = "after-download";
    public const string AfterSlotSwitch = "after-slot-switch";
    public const string AfterLiveSwitch = "after-live-switch";
    public const string AfterCommit = "after-commit";

    private static readonly string? s_armed = Environment.GetEnvironmentVariable("EDGEAGENT_FAILPOINT");

    public static void Hit(string step)
    {
        if (s_armed == step)
        {
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
