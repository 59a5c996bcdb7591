using EdgeAgent.Speech.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service;

/// <summary>Checks what data annotations cannot: the nested VAD hysteresis.</summary>
internal sealed class SpeechPipelineOptionsValidator : IValidateOptions<SpeechPipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, SpeechPipelineOptions options)
    {
        if (options.Vad.OffsetThreshold > options.Vad.OnsetThreshold)
        {
            return ValidateOptionsResult.Fail(
                $"{SpeechPipelineOptions.SectionName}:Vad:OffsetThreshold ({options.Vad.OffsetThreshold}) must not exceed OnsetThreshold ({options.Vad.OnsetThreshold}).");
        }

        return options.Trigger.Threshold is <= 0 or >= 1
            ? ValidateOptionsResult.Fail($"{SpeechPipelineOptions.SectionName}:Trigger:Threshold must be between 0 and 1.")
            : ValidateOptionsResult.Success;
    }
}
