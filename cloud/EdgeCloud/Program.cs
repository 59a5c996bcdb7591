using EdgeCloud;
using EdgeCloud.Api;
using EdgeCloud.Clips;
using EdgeCloud.Console;
using EdgeCloud.Fleet;
using EdgeCloud.Ingest;
using EdgeCloud.Mqtt;
using EdgeCloud.Quality;
using EdgeCloud.Registry;
using EdgeCloud.Rollouts;
using EdgeCloud.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Serilog;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddSerilog((services, lc) => lc
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning) // not a line per request
    .ReadFrom.Configuration(builder.Configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions(typeof(ConsoleLoggerConfigurationExtensions).Assembly))
    .Enrich.FromLogContext()
    .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));

builder.Services.AddOptions<CloudOptions>()
    .Bind(builder.Configuration.GetSection(CloudOptions.SectionName))
    .Validate(o => o.Storage.Provider != "postgres" || !string.IsNullOrWhiteSpace(o.Storage.ConnectionString), "EdgeCloud:Storage:ConnectionString is required with the postgres provider")
    .ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<CloudOptions>>(new SectionValidator<CloudOptions>(CloudOptions.SectionName, new CloudOptionsValidator()));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<ICloudStore>(sp =>
{
    CloudOptions o = sp.GetRequiredService<IOptions<CloudOptions>>().Value;
    return o.Storage.Provider.ToLowerInvariant() switch
    {
        "litedb" => new LiteDbCloudStore(o.DataDir),
        "postgres" => PostgresCloudStore.OpenAsync(o.Storage.ConnectionString!).GetAwaiter().GetResult(),
        var other => throw new OptionsValidationException(CloudOptions.SectionName, typeof(CloudOptions), [$"EdgeCloud:Storage:Provider '{other}' is not supported (litedb, postgres)"]),
    };
});
builder.Services.AddSingleton<IngestStats>();
builder.Services.AddSingleton(sp =>
{
    IngestOptions o = sp.GetRequiredService<IOptions<CloudOptions>>().Value.Ingest;
    return new RateLimiter(o.Burst, o.PerMinute, sp.GetRequiredService<TimeProvider>());
});
builder.Services.AddSingleton<WindowWriter>();
builder.Services.AddSingleton<Ingestor>();
builder.Services.AddSingleton<ModelSigner>();
builder.Services.AddSingleton(sp => ClipKey.LoadAsync(sp.GetRequiredService<IOptions<CloudOptions>>().Value, sp.GetRequiredService<ICloudStore>(), sp.GetRequiredService<ILogger<ClipKey>>()).GetAwaiter().GetResult());
builder.Services.AddSingleton<ClipPolicies>();
builder.Services.AddSingleton<ClipIntake>();
builder.Services.AddHostedService<ClipRetention>();
builder.Services.AddSingleton(sp => new CohortDrift(sp.GetRequiredService<ICloudStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<CloudOptions>>().Value.Rollups.Instance));
builder.Services.AddHostedService<RollupWorker>();
builder.Services.AddSingleton<FleetWatch>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<FleetWatch>());
builder.Services.AddSingleton<DesiredOutbox>();
builder.Services.AddSingleton<IDesiredPublisher>(sp => sp.GetRequiredService<DesiredOutbox>());
builder.Services.AddSingleton<RolloutEngine>();
builder.Services.AddSingleton<IRolloutInbox>(sp => sp.GetRequiredService<RolloutEngine>());
builder.Services.AddHostedService(sp => sp.GetRequiredService<RolloutEngine>());
if (builder.Configuration.GetValue($"{CloudOptions.SectionName}:Mqtt:Embedded", defaultValue: true))
{
    builder.Services.AddSingleton<EmbeddedBroker>();
    builder.Services.AddSingleton<ICommandPublisher>(sp => sp.GetRequiredService<EmbeddedBroker>());
    builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
}
else
{
    builder.Services.AddSingleton<ExternalBrokerConsumer>();
    builder.Services.AddSingleton<ICommandPublisher>(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
    builder.Services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerConsumer>());
}

builder.Services.AddHostedService<DesiredPump>(); // after the broker: it publishes through it

AuthenticationBuilder authentication = builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
builder.Services.AddAuthorization(Roles.AddPolicies);
builder.Services.AddConsole(authentication);
builder.Services.AddOpenApi();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);

WebApplication app = builder.Build();
try
{
    // Before the host starts, so that a bad value is one line naming the key, not a host failure with a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
    app.Services.GetRequiredService<ClipKey>(); // made or read now: a bad EdgeCloud:Clips:KeyFile stops the start, naming the file
}
catch (ClipKeyException ex)
{
    await Console.Error.WriteLineAsync($"edge-cloud: {ex.Message}");
    return 1;
}
catch (Exception ex) when (ex is OptionsValidationException or AggregateException { InnerExceptions: [OptionsValidationException, ..] })
{
    IEnumerable<string> failures = ex is AggregateException all
        ? all.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)
        : ((OptionsValidationException)ex).Failures;
    await Console.Error.WriteLineAsync($"edge-cloud: invalid configuration: {string.Join("; ", failures)}");
    return 1;
}

app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }));
app.MapFleetApi();
app.MapRegistryApi();
app.MapRolloutApi();
app.MapClipsApi();
app.MapQualityApi();
app.MapConsole();
await app.RunAsync();
return 0;
