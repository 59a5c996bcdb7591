using EdgeAgent.Speech.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service;

/// <summary>
/// Validates <c>EdgeAgent:Speech</c> and its nested sections (<c>Vad</c>, <c>Trigger</c>, <c>Onnx</c>) explicitly, then
/// what data annotations cannot: the VAD hysteresis.
/// </summary>
internal sealed class SpeechPipelineOptionsValidator : IValidateOptions<SpeechPipelineOptions>
{
    private const string Section = SpeechPipelineOptions.SectionName;
    private static readonly AgentOptionsValidator s_generated = new();

    public ValidateOptionsResult Validate(string? name, SpeechPipelineOptions options)
    {
        List<string> failures =
        [
            .. ConfigurationKeys.Name(Section, s_generated.Validate(Section, options)),
            .. ConfigurationKeys.Name($"{Section}:Vad", s_generated.Validate($"{Section}:Vad", options.Vad)),
            .. ConfigurationKeys.Name($"{Section}:Trigger", s_generated.Validate($"{Section}:Trigger", options.Trigger)),
            .. ConfigurationKeys.Name($"{Section}:Onnx", s_generated.Validate($"{Section}:Onnx", options.Onnx)),
        ];
        if (failures.Count > 0)
        {
            return ValidateOptionsResult.Fail(failures);
        }

        if (options.Vad.OffsetThreshold > options.Vad.OnsetThreshold)
        {
            return ValidateOptionsResult.Fail(
                $"{Section}:Vad:OffsetThreshold ({options.Vad.OffsetThreshold}) must not exceed OnsetThreshold ({options.Vad.OnsetThreshold}).");
        }

        return options.Trigger.Threshold is <= 0 or >= 1
            ? ValidateOptionsResult.Fail($"{Section}:Trigger:Threshold must be between 0 and 1.")
            : ValidateOptionsResult.Success;
    }
}
