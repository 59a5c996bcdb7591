using EdgeAgent.Core.Runtime;
using EdgeAgent.Service;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Formatting.Compact;

NativeHeap.UseFixedThresholds(); // before ONNX Runtime loads: freed tensors go back to the system

Log.Logger = new LoggerConfiguration()
    .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture)
    .CreateBootstrapLogger();

try
{
    HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(4));
    builder.Services.AddSystemd();
    builder.Services.AddWindowsService(o => o.ServiceName = "edge-agent");

    string dataDir = builder.Configuration[$"{AgentOptions.SectionName}:DataDir"] ?? new AgentOptions().DataDir;
    builder.Services.AddSerilog((services, logger) => logger
        .ReadFrom.Configuration(builder.Configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions(typeof(ConsoleLoggerConfigurationExtensions).Assembly, typeof(FileLoggerConfigurationExtensions).Assembly))
        .ReadFrom.Services(services)
        .Enrich.FromLogContext()
        .WriteTo.Console(
            outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
            formatProvider: System.Globalization.CultureInfo.InvariantCulture)
        .WriteTo.File(
            new CompactJsonFormatter(),
            Path.Combine(dataDir, "logs", "edge-agent-.clef"),
            rollingInterval: RollingInterval.Day,
            fileSizeLimitBytes: 16 * 1024 * 1024,
            rollOnFileSizeLimit: true,
            retainedFileCountLimit: 14));

    builder.Services.AddEdgeAgent();
    using IHost host = builder.Build();
    host.Services.GetService<IStartupValidator>()?.Validate(); // a bad value: one line naming the key, before anything starts
    await host.RunAsync();
    return 0;
}
catch (Exception ex) when (ConfigurationKeys.Failures(ex) is { } failures)
{
    Log.Fatal("edge-agent: invalid configuration: {Problems:l}", string.Join("; ", failures));
    return 1;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "edge-agent failed to start");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
