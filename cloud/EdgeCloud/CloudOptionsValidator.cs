using Microsoft.Extensions.Options;

namespace EdgeCloud;

/// <summary>
/// Validates <see cref="CloudOptions"/> and every nested section marked <c>[ValidateObjectMembers]</c>
/// (source-generated from the data annotations: unlike <c>ValidateDataAnnotations</c>, it recurses).
/// </summary>
[OptionsValidator]
internal sealed partial class CloudOptionsValidator : IValidateOptions<CloudOptions>;
