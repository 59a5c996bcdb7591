using System.CommandLine;
using System.Text.Json;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;

namespace EdgeCtl.Commands;

/// <summary>
/// <c>edgectl cohort &lt;windows-dir&gt;... --reference ref.json</c>: merges the encoded window profiles of several devices
/// (<c>edgectl watch --windows-out</c>) exactly, as the cloud merges a cohort, and runs the drift tests against the
/// reference with the thresholds of its own spread, as the cloud's cohort view does.
/// </summary>
internal static class CohortCommand
{
    private const double ThresholdSigmas = 3;

    public static Command Create()
    {
        var dirs = new Argument<string[]>("windows-dir") { Description = "Directories of encoded window profiles (*.ep)", Arity = ArgumentArity.OneOrMore };
        var reference = new Option<string>("--reference") { Description = "Reference profile (edgectl profile build)", Required = true };
        var command = new Command("cohort", "Merge devices' window profiles into a cohort and compare it with a reference");
        command.Arguments.Add(dirs);
        command.Options.Add(reference);
        command.SetAction(result =>
        {
            SignalProfile referenceProfile = DriftCommand.ReadReference(result.GetValue(reference)!);
            var cohort = new SignalProfile();
            int windows = 0;
            foreach (string dir in result.GetValue(dirs)!)
            {
                if (!Directory.Exists(dir))
                {
                    throw new CliException($"{dir}: no such directory");
                }

                foreach (string file in Directory.EnumerateFiles(dir, "*.ep").Order(StringComparer.Ordinal))
                {
                    try
                    {
                        cohort.MergeFrom(ProfileCodec.Decode(File.ReadAllBytes(file)));
                        windows++;
                    }
                    catch (FormatException ex)
                    {
                        throw new CliException($"{file}: {ex.Message}");
                    }
                }
            }

            var options = new DriftOptions();
            DriftThresholds thresholds = DriftThresholds.FromSpread(referenceProfile.Spread, ThresholdSigmas, options.FingerprintThresholdDb);
            DriftReport report = new DriftAnalyzer(options).Compare(cohort, referenceProfile, thresholds);
            Console.Error.WriteLine($"cohort of {windows} windows");
            Console.Out.WriteLine(JsonSerializer.Serialize(report, EdgeCtl.Analysis.ReportJsonContext.Default.DriftReport));
            return ExitCodes.Ok;
        });
        return command;
    }
}
