using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace EdgeCloud;

/// <summary>
/// Runs a source-generated options validator under its configuration section, so that every failure names the
/// configuration key (<c>EdgeCloud:Rollouts:TickSeconds</c>) instead of the C# path (<c>CloudOptions.Rollouts.TickSeconds</c>).
/// </summary>
internal sealed class SectionValidator<TOptions>(string section, IValidateOptions<TOptions> validator) : IValidateOptions<TOptions>
    where TOptions : class
{
    private readonly Regex _path = new(Regex.Escape(section) + @"(\.[A-Za-z_][A-Za-z0-9_]*)+", RegexOptions.CultureInvariant);

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ValidateOptionsResult result = validator.Validate(section, options);
        return result.Failed
            ? ValidateOptionsResult.Fail(result.Failures.Select(Name))
            : result;
    }

    /// <summary>"Member: The field EdgeCloud.A.Member must …" → "The field EdgeCloud:A:Member must …".</summary>
    private string Name(string failure)
    {
        string keyed = _path.Replace(failure, m => m.Value.Replace('.', ':'));
        Match member = Regex.Match(keyed, @"^[A-Za-z_][A-Za-z0-9_]*: ", RegexOptions.CultureInvariant);
        return member.Success && keyed.AsSpan(member.Length).Contains(section, StringComparison.Ordinal) ? keyed[member.Length..] : keyed;
    }
}
