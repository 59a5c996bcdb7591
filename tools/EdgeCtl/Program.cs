using System.CommandLine;
using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Core.Runtime;
using EdgeCtl.Commands;

NativeHeap.UseFixedThresholds(); // before ONNX Runtime loads: freed tensors go back to the system

var root = new RootCommand("edgectl: the EdgeAgent technician's tool")
{
    AnalyzeCommand.Create(),
    ListenCommand.Create(),
    ModelsCommand.Create(),
    ProfileCommand.Create(),
    DriftCommand.Create(),
    WatchCommand.Create(),
    CohortCommand.Create(),
    ClipsCommand.Create(),
};

// Model sources start with "@" (npm scopes): no response files.
ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parsed.Errors.Count > 0)
{
    string command = parsed.CommandResult.Command == root ? "edgectl" : $"edgectl {parsed.CommandResult.Command.Name}";
    Console.Error.WriteLine($"edgectl: {parsed.Errors[0].Message} (see '{command} --help')");
    return ExitCodes.BadInput;
}

try
{
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException ex)
{
    Console.Error.WriteLine($"edgectl: {ex.Message}");
    return ex.ExitCode;
}
catch (AudioSourceException ex)
{
    Console.Error.WriteLine($"edgectl: {ex.Message}");
    return ExitCodes.BadInput;
}
catch (ModelStoreException ex)
{
    Console.Error.WriteLine($"edgectl: {ex.Message}");
    return ExitCodes.ModelsMissing;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("edgectl: interrupted");
    return ExitCodes.Interrupted;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"edgectl: unexpected error: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
    return ExitCodes.Failure;
}
