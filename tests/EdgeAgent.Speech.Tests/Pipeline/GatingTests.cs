using EdgeAgent.Core.Keywords;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Speech.Tests.Pipeline;

[Trait("Category", "Integration")]
public sealed class GatingTests(PipelineFixture fixture, ITestOutputHelper output) : IClassFixture<PipelineFixture>
{
    [Fact]
    public void Process_EveryClip_GatedAndUngatedDetectTheSame()
    {
        var failures = new List<string>();
        foreach (SpeechClip clip in SpeechCorpus.All)
        {
            string gated = Describe(fixture.Run(clip.Path, gated: true).Detections);
            string ungated = Describe(fixture.Run(clip.Path, gated: false).Detections);
            if (gated != ungated)
            {
                failures.Add($"{clip}: gated [{gated}] ungated [{ungated}]");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Process_LongStreamWithPauses_SameDetectionsAndMostChunksSkipped()
    {
        // Every keyword phrase of one voice, one after another, with silence and speech between them.
        string stream = SpeechCorpus.Make("stream-keywords-en-us.wav", path =>
        {
            var parts = SpeechCorpus.KeywordClips.Where(c => c.Voice == "en-us" && c.Speed == 130 && !c.Noisy).Select(c => c.Path)
                .Concat(SpeechCorpus.NeutralClips.Where(c => c.Voice == "en-gb-x-rp" && !c.Noisy).Take(2).Select(c => c.Path))
                .SelectMany(p => new[] { p, SpeechCorpus.Silence(3) })
                .ToList();
            string converted = path + ".parts";
            Directory.CreateDirectory(converted);
            var inputs = parts.Select((p, i) =>
            {
                string c = Path.Combine(converted, $"{i:D2}.wav");
                SpeechCorpus.Sox(p, "-r", "16000", "-c", "1", "-b", "16", c);
                return c;
            }).ToArray();
            SpeechCorpus.Sox([.. inputs, path]);
            Directory.Delete(converted, recursive: true);
        });

        var gatedRun = fixture.Run(stream, gated: true);
        var ungatedRun = fixture.Run(stream, gated: false);

        output.WriteLine($"gated: {Describe(gatedRun.Detections)}; keyword stage ran on {gatedRun.KeywordChunks} chunks, skipped {gatedRun.GatedChunks}");
        Assert.True(gatedRun.GatedChunks > gatedRun.KeywordChunks, "the gate should skip most of a stream that is mostly silence");
        Assert.Equal(0, ungatedRun.GatedChunks);
        Assert.Equal(SpeechCorpus.KeywordPhrases.Length, gatedRun.Detections.Count);
        Assert.Equal(Describe(ungatedRun.Detections), Describe(gatedRun.Detections));
    }

    private static string Describe(IEnumerable<KeywordDetection> detections) =>
        string.Join(", ", detections.OrderBy(d => d.TimeSec).Select(d => $"{d.Keyword}@{d.TimeSec:F2}"));
}
