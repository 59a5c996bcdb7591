using EdgeAgent.Clips;
using EdgeAgent.Contracts;
using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Models;
using EdgeAgent.Link;
using EdgeAgent.Service.Clips;
using EdgeAgent.Service.Fleet;
using EdgeAgent.Service.Drift;
using EdgeAgent.Service.Listening;
using EdgeAgent.Service.Updates;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.Updates.Running;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service;

public static class AgentServiceCollectionExtensions
{
    private static readonly AgentOptionsValidator s_validator = new();

    /// <summary>Registers the agent's options and the listening worker.</summary>
    public static IServiceCollection AddEdgeAgent(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>()
            .BindConfiguration(AgentOptions.SectionName)
            .ValidateSection(AgentOptions.SectionName, s_validator)
            .Validate(o => IsValidSource(o.Source), $"EdgeAgent:Source: {AudioSourceSpec.Help}")
            .ValidateOnStart();
        services.AddOptions<SpeechPipelineOptions>()
            .BindConfiguration(SpeechPipelineOptions.SectionName)
            .ValidateOnStart();
        services.AddOptions<DriftWatchOptions>()
            .BindConfiguration(DriftWatchOptions.SectionName)
            .ValidateSection(DriftWatchOptions.SectionName, s_validator)
            .Validate(o => o.ReferenceFile is null || o.ReferenceFile.Length == 0 || File.Exists(o.ReferenceFile), "EdgeAgent:Drift:ReferenceFile does not exist")
            .ValidateOnStart();
        services.AddOptions<AudioCaptureOptions>().BindConfiguration("EdgeAgent:Capture");
        services.AddOptions<LinkOptions>()
            .BindConfiguration(LinkOptions.SectionName)
            .ValidateSection(LinkOptions.SectionName, s_validator)
            .Validate(o => !o.UseTls || o.CaFile is null || o.CaFile.Length == 0 || File.Exists(o.CaFile), "EdgeAgent:Mqtt:CaFile does not exist")
            .ValidateOnStart();
        services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.SectionName)
            .ValidateSection(TelemetryOptions.SectionName, s_validator)
            .ValidateOnStart();
        services.AddOptions<DeviceLabels>().BindConfiguration("EdgeAgent:Labels");
        services.AddOptions<UpdaterOptions>()
            .BindConfiguration(UpdaterOptions.SectionName)
            .ValidateSection(UpdaterOptions.SectionName, s_validator)
            .Validate(o => !o.CanDownload || Uri.TryCreate(o.RegistryUrl, UriKind.Absolute, out _), "EdgeAgent:Updates:RegistryUrl is not an absolute URL")
            .Validate(o => !o.CanDownload || File.Exists(o.RegistryKeyFile), "EdgeAgent:Updates:RegistryKeyFile (the pinned registry key, PEM) does not exist")
            .Validate(o => string.IsNullOrWhiteSpace(o.CaFile) || File.Exists(o.CaFile), "EdgeAgent:Updates:CaFile does not exist")
            .ValidateOnStart();
        services.AddOptions<ClipOptions>()
            .BindConfiguration(ClipOptions.SectionName)
            .ValidateSection(ClipOptions.SectionName, s_validator)
            .Validate(o => o.MaxBackoffSeconds >= o.BackoffSeconds, "EdgeAgent:Clips:MaxBackoffSeconds must be at least EdgeAgent:Clips:BackoffSeconds")
            .Validate(o => o.PreRollSeconds + o.PostRollSeconds + 1 <= o.RingSeconds && o.MaxSegmentSeconds + 1 <= o.RingSeconds,
                "EdgeAgent:Clips:RingSeconds must hold PreRollSeconds + PostRollSeconds and MaxSegmentSeconds, each with 1 s to spare for the clip worker")
            .ValidateOnStart();

        // The telemetry window is the drift window: one summary per closed window.
        services.AddOptions<DriftWatchOptions>().PostConfigure<IOptions<TelemetryOptions>>((o, t) => o.Monitor.WindowSeconds = t.Value.WindowSeconds);
        services.AddSingleton<FleetLink>();
        services.AddHostedService(sp => sp.GetRequiredService<FleetLink>());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<SpeechPipelineOptions>, SpeechPipelineOptionsValidator>();
        services.AddSingleton<LiveSpeech>();
        services.AddSingleton<StartupSlots>();
        services.AddSingleton<CloudHttp>();
        services.AddSingleton<ModelFetcherFactory>();
        services.AddSingleton<RegistryModelSource>();
        services.AddSingleton<LiveModelRuntime>();
        services.AddSingleton<FleetReportSink>();
        services.AddSingleton(sp =>
        {
            UpdaterOptions updates = sp.GetRequiredService<IOptions<UpdaterOptions>>().Value;
            return new ModelReconciler(
                new ModelStore(sp.GetRequiredService<IOptions<AgentOptions>>().Value.ModelsDir),
                sp.GetRequiredService<RegistryModelSource>(),
                sp.GetRequiredService<LiveModelRuntime>(),
                sp.GetRequiredService<FleetReportSink>(),
                sp.GetRequiredService<TimeProvider>(),
                new ReconcilerOptions
                {
                    WatchInterval = TimeSpan.FromSeconds(updates.ReportSeconds), MaxProbationStarts = updates.MaxProbationStarts, DownloadAttempts = updates.DownloadAttempts,
                },
                sp.GetRequiredService<ILogger<ModelReconciler>>());
        });
        services.AddSingleton<ClipCapture>();
        services.AddSingleton(sp => new ClipQueue(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataDir));
        services.AddSingleton(sp => new ClipDecider(
            sp.GetRequiredService<TimeProvider>(), new Random(), sp.GetRequiredService<IOptions<ClipOptions>>().Value.DriftAlarmClipsPerHour));

        // Hosted services stop in reverse order: the clip worker and uploader after the listening loop has ended.
        services.AddHostedService<ClipUploader>();
        services.AddHostedService<ClipWorker>();
        services.AddHostedService<SpeechWorker>();
        services.AddHostedService<ModelUpdater>();
        return services;
    }

    /// <summary>Validates the section with a source-generated validator whose failures name the configuration keys.</summary>
    private static OptionsBuilder<TOptions> ValidateSection<TOptions>(this OptionsBuilder<TOptions> builder, string section, IValidateOptions<TOptions> validator)
        where TOptions : class
    {
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidator<TOptions>(section, validator));
        return builder;
    }

    private static bool IsValidSource(string source)
    {
        try
        {
            AudioSourceSpec.Create(source).Dispose();
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
