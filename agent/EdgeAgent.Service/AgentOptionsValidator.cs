using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Vad;
using EdgeAgent.Link;
using EdgeAgent.Service.Clips;
using EdgeAgent.Service.Drift;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Updates;
using EdgeAgent.Speech.Onnx;
using EdgeAgent.Speech.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service;

/// <summary>
/// The agent's options validators, source-generated from the data annotations. Unlike <c>ValidateDataAnnotations</c>
/// they recurse into members marked <c>[ValidateObjectMembers]</c> (<see cref="DriftWatchOptions"/>'s sections); the
/// speech pipeline's sections live in libraries without the generator and are validated one by one
/// (<see cref="SpeechPipelineOptionsValidator"/>).
/// </summary>
// SYSLIB1212 ("member Vad/Trigger/Onnx doesn't specify [ValidateObjectMembers]"): SpeechPipelineOptions lives in a
// library without the options package; its sections are validated explicitly by SpeechPipelineOptionsValidator.
#pragma warning disable SYSLIB1212
[OptionsValidator]
internal sealed partial class AgentOptionsValidator :
    IValidateOptions<AgentOptions>,
    IValidateOptions<DriftWatchOptions>,
    IValidateOptions<TelemetryOptions>,
    IValidateOptions<LinkOptions>,
    IValidateOptions<UpdaterOptions>,
    IValidateOptions<ClipOptions>,
    IValidateOptions<SpeechPipelineOptions>,
    IValidateOptions<VadSegmenterOptions>,
    IValidateOptions<KeywordTriggerOptions>,
    IValidateOptions<OnnxOptions>;
#pragma warning restore SYSLIB1212
