using System.CommandLine;
using EdgeAgent.Drift.Profiles;
using EdgeAgent.Speech.Pipeline;
using EdgeCtl.Analysis;

namespace EdgeCtl.Commands;

/// <summary><c>edgectl profile build &lt;audio.wav&gt;... -o ref.json</c>: a reference profile, the form a model version ships with.</summary>
internal static class ProfileCommand
{
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
            SignalProfile profile = StreamProfiler.Profile(result.GetValue(files)!, models, options);
            string path = result.GetValue(output)!;
            ProfileDocument.From(profile, result.GetValue(description)).Write(path);
            Console.Out.WriteLine($"wrote {path}: {profile.DurationSeconds:F1} s of audio, {profile.SpeechSeconds:F1} s of speech");
            return ExitCodes.Ok;
        });

        var command = new Command("profile", "Audio profiles for drift detection");
        command.Subcommands.Add(build);
        return command;
    }
}
