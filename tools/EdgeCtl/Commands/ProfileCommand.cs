using System.CommandLine;
using EdgeAgent.Drift.Detection;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Speech.Pipeline;
using EdgeCtl.Analysis;

namespace EdgeCtl.Commands;

/// <summary><c>edgectl profile build &lt;audio.wav&gt;... -o ref.json</c>: a reference profile, the form a model version ships with.</summary>
internal static class ProfileCommand
{
    /// <summary>
    /// The reference is cut into segments of this length to measure its own spread (each a few sentences of one voice);
    /// a segment needs a fifth of the evidence an evaluation needs, as a device's learning windows do.
    /// </summary>
    private const double SegmentSeconds = 10;
    private const int SegmentsPerEvaluation = 5;

    public static Command Create()
    {
        var pipeline = new PipelineOptions();
        var files = new Argument<string[]>("audio.wav") { Description = "WAV files, profiled as one stream", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the profile (JSON)", Required = true };
        var description = new Option<string?>("--description") { Description = "A note stored in the profile" };
        var build = new Command("build", "Build a reference profile from audio");
        build.Arguments.Add(files);
        build.Options.Add(output);
        build.Options.Add(description);
        build.Options.Add(pipeline.Models);
        build.Options.Add(pipeline.Vad);
        build.SetAction(result =>
        {
            (SpeechModels models, SpeechPipelineOptions options) = pipeline.Resolve(result);
            (SignalProfile profile, IReadOnlyList<SignalProfile> segments) = StreamProfiler.Segments(result.GetValue(files)!, models, options, SegmentSeconds);
            var analyzer = new DriftAnalyzer(new DriftOptions());
            IReadOnlyList<FeatureSpread> spread = DriftThresholds.Measure(segments, profile, s => analyzer.Required(s) / SegmentsPerEvaluation);
            string path = result.GetValue(output)!;
            ProfileDocument.From(profile, result.GetValue(description), spread).Write(path);
            Console.Out.WriteLine($"wrote {path}: {profile.DurationSeconds:F1} s of audio, {profile.SpeechSeconds:F1} s of speech, spread over {segments.Count} segments of {SegmentSeconds:F0} s");
            return ExitCodes.Ok;
        });

        var command = new Command("profile", "Audio profiles for drift detection");
        command.Subcommands.Add(build);
        return command;
    }
}
