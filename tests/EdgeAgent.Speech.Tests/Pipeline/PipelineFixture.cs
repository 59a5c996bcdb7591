using EdgeAgent.Speech.Pipeline;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Pipeline;

/// <summary>Runs files through pipelines built from the real models in the store, one pipeline per configuration.</summary>
public sealed class PipelineFixture : IDisposable
{
    private readonly Dictionary<string, (SpeechPipeline Pipeline, Forwarder Events)> _pipelines = [];

    internal PipelineRun Run(string path, string vad = "v5", bool gated = true, bool streaming = true)
    {
        string key = $"{vad}/{gated}/{streaming}";
        lock (_pipelines)
        {
            if (!_pipelines.TryGetValue(key, out var entry))
            {
                var options = new SpeechPipelineOptions { VadVersion = vad, Gated = gated, StreamingEmbedding = streaming };
                var forwarder = new Forwarder();
                entry = (new SpeechPipeline(SpeechModels.Select(TestPaths.Models, vad, []), options, forwarder), forwarder);
                _pipelines[key] = entry;
            }

            var run = new PipelineRun();
            entry.Events.Target = run;
            return PipelineRun.Over(entry.Pipeline, run, path);
        }
    }

    public void Dispose()
    {
        foreach ((SpeechPipeline pipeline, _) in _pipelines.Values)
        {
            pipeline.Dispose();
        }
    }

    private sealed class Forwarder : ISpeechEvents
    {
        public PipelineRun? Target { get; set; }

        public void OnSegment(Core.Vad.SpeechSegment segment) => Target?.OnSegment(segment);

        public void OnDetection(Core.Keywords.KeywordDetection detection) => Target?.OnDetection(detection);
    }
}
