using EdgeAgent.Core.Audio;
using EdgeAgent.Core.Keywords;
using EdgeAgent.Speech.Pipeline;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Pipeline;

/// <summary>
/// The pre-roll spread over several chunks (<see cref="SpeechPipelineOptions.PrerollBurst"/>) gives the heads the very
/// windows the one-burst pre-roll gives them: every score, in order, and every detection are the same, bit for bit.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PrerollBurstTests
{
    [Fact]
    public void Process_PrerollSpreadOverChunks_SameScoresAndDetectionsAsOneBurst()
    {
        // Keyword phrases of two voices, clean and noisy, with pauses long enough for the gate to close between them.
        float[] audio = SpeechCorpus.KeywordClips.Where(c => c.Speed == 130 && c.Voice is "en-us" or "en-gb+f2")
            .SelectMany(c => PipelineAudioReader.LoadFile(c.Path).Concat(new float[16_000 * 3]))
            .ToArray();

        Recorder oneBurst = Run(audio, prerollBurst: 16);
        Recorder spread = Run(audio, prerollBurst: 6);
        Recorder slowest = Run(audio, prerollBurst: 2);

        Assert.True(oneBurst.Detections.Count >= 8, $"only {oneBurst.Detections.Count} detections");
        Assert.True(oneBurst.Backfilled > 0 && oneBurst.GatedChunks > 0, "the gate never opened and closed");
        foreach (Recorder other in new[] { spread, slowest })
        {
            Assert.Equal(oneBurst.Backfilled, other.Backfilled);
            Assert.Equal(oneBurst.Scores.Count, other.Scores.Count);
            for (int i = 0; i < oneBurst.Scores.Count; i++)
            {
                Assert.True(oneBurst.Scores[i].AsSpan().SequenceEqual(other.Scores[i]), $"scored chunk {i} differs");
            }

            Assert.Equal(oneBurst.Detections, other.Detections);
        }

        // The gated pipeline skipped the mel model while closed and computed the frames it needed afterwards: a head
        // whose window the pre-roll covers saw exactly the ungated windows, so its detections have the same peaks.
        Recorder ungated = Run(audio, prerollBurst: 6, gated: false);
        string[] covered = ["alexa", "hey_jarvis", "hey_mycroft", "hey_rhasspy"];
        Assert.Equal(
            ungated.Detections.Where(d => covered.Contains(d.Keyword)),
            spread.Detections.Where(d => covered.Contains(d.Keyword)));
    }

    private static Recorder Run(float[] audio, int prerollBurst, bool gated = true)
    {
        var recorder = new Recorder();
        var options = new SpeechPipelineOptions { PrerollBurst = prerollBurst, Gated = gated };
        using var pipeline = new SpeechPipeline(SpeechModels.Select(TestPaths.Models, "v5", []), options, recorder);
        for (int i = 0; i < audio.Length; i += 512)
        {
            pipeline.Process(audio.AsSpan(i, Math.Min(512, audio.Length - i)));
        }

        pipeline.Flush();
        recorder.Backfilled = pipeline.BackfilledEmbeddings;
        recorder.GatedChunks = pipeline.GatedChunks;
        return recorder;
    }

    private sealed class Recorder : ISpeechEvents
    {
        public List<float[]> Scores { get; } = [];

        public List<KeywordDetection> Detections { get; } = [];

        public long Backfilled { get; set; }

        public long GatedChunks { get; set; }

        public void OnKeywordScores(ReadOnlySpan<float> scores, double elapsedMs) => Scores.Add(scores.ToArray());

        public void OnDetection(KeywordDetection detection) => Detections.Add(detection);
    }
}
