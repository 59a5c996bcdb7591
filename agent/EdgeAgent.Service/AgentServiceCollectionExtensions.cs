using EdgeAgent.Core.Audio;
using EdgeAgent.Service.Drift;
using EdgeAgent.Service.Listening;
using EdgeAgent.Speech.Pipeline;
using Microsoft.Extensions.Options;

namespace EdgeAgent.Service;

public static class AgentServiceCollectionExtensions
{
    /// <summary>Registers the agent's options and the listening worker.</summary>
    public static IServiceCollection AddEdgeAgent(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>()
            .BindConfiguration(AgentOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => IsValidSource(o.Source), $"EdgeAgent:Source: {AudioSourceSpec.Help}")
            .ValidateOnStart();
        services.AddOptions<SpeechPipelineOptions>()
            .BindConfiguration(SpeechPipelineOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<DriftWatchOptions>()
            .BindConfiguration(DriftWatchOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.ReferenceFile is null || o.ReferenceFile.Length == 0 || File.Exists(o.ReferenceFile), "EdgeAgent:Drift:ReferenceFile does not exist")
            .ValidateOnStart();
        services.AddOptions<AudioCaptureOptions>().BindConfiguration("EdgeAgent:Capture");
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IValidateOptions<SpeechPipelineOptions>, SpeechPipelineOptionsValidator>();
        services.AddHostedService<SpeechWorker>();
        return services;
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
