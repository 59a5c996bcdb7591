using Xunit.Sdk;
using Xunit.v3;

namespace EdgeCloud.Tests.Console;

/// <summary>Runs a class's test methods in the order they are declared (metadata order), for a story told over a shared fixture.</summary>
public sealed class DeclarationOrder : ITestMethodOrderer
{
    public IReadOnlyCollection<TTestMethod?> OrderTestMethods<TTestMethod>(IReadOnlyCollection<TTestMethod?> testMethods)
        where TTestMethod : notnull, ITestMethod =>
        testMethods.OrderBy(m => (m as IXunitTestMethod)?.Method.MetadataToken ?? int.MaxValue).ThenBy(m => m?.MethodName, StringComparer.Ordinal).ToList();
}
