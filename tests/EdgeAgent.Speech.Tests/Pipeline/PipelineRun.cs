using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Core.Vad;
using EdgeAgent.Speech.Pipeline;

namespace EdgeAgent.Speech.Tests.Pipeline;

/// <summary>What one run of the pipeline over one file reported.</summary>
internal sealed class PipelineRun : ISpeechEvents
{
    public List<SpeechSegment> Segments { get; } = [];

    public List<KeywordDetection> Detections { get; } = [];

    public long KeywordChunks { get; private set; }

    public long GatedChunks { get; private set; }

    public void OnSegment(SpeechSegment segment) => Segments.Add(segment);

    public void OnDetection(KeywordDetection detection) => Detections.Add(detection);

    /// <summary>Runs <paramref name="pipeline"/> (reset first) over a file, as the agent reads it.</summary>
    public static PipelineRun Over(SpeechPipeline pipeline, PipelineRun events, string path)
    {
        pipeline.Reset();
        long keywordChunks = pipeline.KeywordChunks, gatedChunks = pipeline.GatedChunks;
        using var source = new WavFileSource(path);
        source.Open();
        var reader = new PipelineAudioReader(source);
        reader.Reset();
        var block = new float[SileroVadFrame];
        int n;
        while ((n = reader.Read(block)) > 0)
        {
            pipeline.Process(block.AsSpan(0, n));
        }

        pipeline.Flush();
        events.KeywordChunks = pipeline.KeywordChunks - keywordChunks;
        events.GatedChunks = pipeline.GatedChunks - gatedChunks;
        return events;
    }

    private const int SileroVadFrame = 512;
}
