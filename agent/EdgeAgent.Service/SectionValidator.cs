using Microsoft.Extensions.Options;

namespace EdgeAgent.Service;

/// <summary>
/// Runs a source-generated options validator under its configuration section, so that every failure names the
/// configuration key (<c>EdgeAgent:Drift:Monitor:WindowSeconds</c>) instead of the C# path (<c>DriftWatchOptions.Monitor.WindowSeconds</c>).
/// </summary>
internal sealed class SectionValidator<TOptions>(string section, IValidateOptions<TOptions> validator) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ValidateOptionsResult result = validator.Validate(section, options);
        return result.Failed ? ValidateOptionsResult.Fail(ConfigurationKeys.Name(section, result)) : result;
    }
}
