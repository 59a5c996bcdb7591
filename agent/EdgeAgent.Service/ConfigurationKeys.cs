using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service;

/// <summary>Options failures in the words of the configuration: keys, not C# member paths.</summary>
internal static partial class ConfigurationKeys
{
    /// <summary>
    /// The failures of a validator run under <paramref name="section"/> (the generated validators name a member
    /// <c>section.Member.Nested</c>), with the member paths written as keys: <c>section:Member:Nested</c>.
    /// </summary>
    public static IEnumerable<string> Name(string section, ValidateOptionsResult result) =>
        result.Failed ? result.Failures.Select(f => Name(section, f)) : [];

    /// <summary>"Member: The field section.A.Member must …" → "The field section:A:Member must …".</summary>
    internal static string Name(string section, string failure)
    {
        string keyed = Regex.Replace(failure, Regex.Escape(section) + @"(\.[A-Za-z_][A-Za-z0-9_]*)+", m => m.Value.Replace('.', ':'), RegexOptions.CultureInvariant);
        Match member = Regex.Match(keyed, @"^[A-Za-z_][A-Za-z0-9_]*: ", RegexOptions.CultureInvariant);
        return member.Success && keyed.AsSpan(member.Length).Contains(section, StringComparison.Ordinal) ? keyed[member.Length..] : keyed;
    }

    /// <summary>Every failure in a start-up validation exception (one or several sections), or null for any other exception.</summary>
    public static IReadOnlyList<string>? Failures(Exception exception) => exception switch
    {
        OptionsValidationException e => e.Failures.ToList(),
        AggregateException { InnerExceptions: var all } when all.All(e => e is OptionsValidationException) =>
            all.Cast<OptionsValidationException>().SelectMany(e => e.Failures).ToList(),
        _ => null,
    };
}
