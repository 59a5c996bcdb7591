using CsCheck;
using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Tests.Profiles;

public sealed class PredictionProfileTests
{
    private static readonly string[] s_keywords = ["hey_jarvis", "alexa", "timer"];

    private static readonly Gen<(int Keyword, float Score, double Seconds, bool Detected)[]> s_events =
        Gen.Select(Gen.Int[0, 2], Gen.Float[0, 1], Gen.Double[0, 40], Gen.Bool).Array[0, 40];

    [Fact]
    public void MergeFrom_IsAssociativeCommutativeAndEqualsOnePass()
    {
        Gen.Select(s_events, s_events, s_events).Sample((a, b, c) =>
        {
            PredictionProfile left = Of(a);
            left.MergeFrom(Of(b));
            left.MergeFrom(Of(c));

            PredictionProfile bc = Of(b);
            bc.MergeFrom(Of(c));
            PredictionProfile right = Of(a);
            right.MergeFrom(bc);

            PredictionProfile ba = Of(b);
            ba.MergeFrom(Of(a));
            PredictionProfile ab = Of(a);
            ab.MergeFrom(Of(b));

            AssertSame(left, right);
            AssertSame(ab, ba);
            AssertSame(Of([.. a, .. b, .. c]), left);
        });
    }

    [Fact]
    public void AddChunk_ScoresGoToTheirKeywordsWithoutAllocatingOnceSeen()
    {
        var p = new PredictionProfile();
        float[] scores = [0.01f, 0.9f, 0.5f];
        p.AddChunk(scores, s_keywords, 3.5);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            p.AddChunk(scores, s_keywords, 3.5);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1001, p.Keywords["alexa"].Scores.Total);
        Assert.InRange(p.Keywords["alexa"].Scores.Quantile(0.5), 0.88, 0.92);
        Assert.Equal(1001, p.ChunkLatencyMs.Total);
    }

    internal static void AssertSame(PredictionProfile expected, PredictionProfile actual)
    {
        Assert.Equal(expected.SegmentSeconds, actual.SegmentSeconds);
        Assert.Equal(expected.VadLatencyMs, actual.VadLatencyMs);
        Assert.Equal(expected.ChunkLatencyMs, actual.ChunkLatencyMs);
        Assert.Equal(expected.Keywords.Keys, actual.Keywords.Keys);
        foreach ((string name, KeywordPrediction k) in expected.Keywords)
        {
            Assert.Equal(k.Scores, actual.Keywords[name].Scores);
            Assert.Equal(k.Detections, actual.Keywords[name].Detections);
        }
    }

    private static PredictionProfile Of((int Keyword, float Score, double Seconds, bool Detected)[] events)
    {
        var p = new PredictionProfile();
        foreach ((int keyword, float score, double seconds, bool detected) in events)
        {
            p.AddScore(s_keywords[keyword], score);
            p.AddSegment(seconds);
            p.AddVadLatency(seconds / 4);
            p.AddChunkLatency(seconds);
            if (detected)
            {
                p.AddDetection(s_keywords[keyword]);
            }
        }

        return p;
    }
}
