using System.CommandLine;
using System.Globalization;
using EdgeAgent.Core.Models;
using EdgeAgent.Speech.Pipeline;

namespace EdgeCtl.Commands;

/// <summary>The options every command that runs the speech pipeline shares.</summary>
internal sealed class PipelineOptions
{
    public Option<string> Models { get; } = CreateModelsOption();

    public Option<string> Vad { get; } = new("--vad")
    {
        Description = "Silero VAD version: v5, v6 or legacy",
        DefaultValueFactory = _ => "v5",
    };

    public Option<string?> Keywords { get; } = new("--keywords")
    {
        Description = "Comma-separated keyword heads (default: every installed head)",
    };

    public Option<string?> Threshold { get; } = new("--threshold")
    {
        Description = "Keyword score threshold in (0, 1) (default 0.5)",
    };

    public Option<bool> Ungated { get; } = new("--ungated")
    {
        Description = "Run the keyword stage on every chunk, not only around speech",
    };

    public Option<bool> WholeWindow { get; } = new("--whole-window")
    {
        Description = "Compute every embedding with the whole-window model (no streaming evaluation)",
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print one JSON object on stdout",
    };

    /// <summary>The model store option, the same for every command that touches the store.</summary>
    public static Option<string> CreateModelsOption() => new("--models")
    {
        Description = $"Model store (default ${ModelStore.EnvironmentVariable} or ~/.edgeagent/models)",
        DefaultValueFactory = _ => ModelStore.DefaultRoot(),
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Models);
        command.Options.Add(Vad);
        command.Options.Add(Keywords);
        command.Options.Add(Threshold);
        command.Options.Add(Ungated);
        command.Options.Add(WholeWindow);
        command.Options.Add(Json);
    }

    public (SpeechModels Models, SpeechPipelineOptions Options) Resolve(ParseResult result)
    {
        string vad = result.GetValue(Vad)!.Trim().ToLowerInvariant();
        if (vad is not ("v5" or "v6" or "legacy" or "v4"))
        {
            throw new CliException($"--vad must be v5, v6 or legacy, not '{vad}'");
        }

        var options = new SpeechPipelineOptions { VadVersion = vad, Gated = !result.GetValue(Ungated), StreamingEmbedding = !result.GetValue(WholeWindow) };
        if (result.GetValue(Threshold) is { } text)
        {
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float threshold)
                || threshold is <= 0 or >= 1)
            {
                throw new CliException($"--threshold must be a number between 0 and 1, not '{text}'");
            }

            options.Trigger.Threshold = threshold;
        }

        List<string> keywords = (result.GetValue(Keywords) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToList();
        options.Keywords = keywords;

        var store = new ModelStore(result.GetValue(Models)!);
        return (SpeechModels.Select(store, options.VadVersion, keywords), options);
    }
}
