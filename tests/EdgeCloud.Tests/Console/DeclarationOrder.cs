using Xunit.Sdk;
using Xunit.v3;

namespace EdgeCloud.Tests.Console;

/// <summary>Runs a class's tests in the order they are declared (metadata order), for a story told over a shared fixture.</summary>
public sealed class DeclarationOrder : ITestCaseOrderer
{
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase =>
        testCases.OrderBy(t => t.TestMethodMetadataToken ?? int.MaxValue).ThenBy(t => t.TestMethodName, StringComparer.Ordinal).ToList();
}
