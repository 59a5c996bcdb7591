using EdgeAgent.Core.Vad;

namespace EdgeAgent.Core.Tests.Vad;

public sealed class VadSegmenterTests
{
    private static readonly VadSegmenterOptions s_options = new()
    {
        OnsetThreshold = 0.5f, OffsetThreshold = 0.35f, MinSpeechMs = 250, MinSilenceMs = 300, PadMs = 30,
    };

    [Fact]
    public void Push_SpeechThenSilence_OneSegmentWithPadding()
    {
        List<SpeechSegment> segments = Run([.. Frames(0.01f, 30), .. Frames(0.9f, 20), .. Frames(0.01f, 30)]);

        SpeechSegment s = Assert.Single(segments);
        Assert.Equal(30 * 512 / 16000.0 - 0.03, s.StartSec, 3);
        Assert.Equal(50 * 512 / 16000.0 + 0.03, s.EndSec, 3);
    }

    [Fact]
    public void Push_ShortPause_DoesNotSplit()
    {
        List<SpeechSegment> segments = Run([.. Frames(0.9f, 20), .. Frames(0.1f, 5), .. Frames(0.9f, 20), .. Frames(0.0f, 20)]);

        Assert.Single(segments);
    }

    [Fact]
    public void Push_ProbabilityBetweenThresholds_KeepsSpeechGoing()
    {
        List<SpeechSegment> segments = Run([.. Frames(0.9f, 10), .. Frames(0.4f, 30), .. Frames(0.0f, 20)]);

        Assert.Equal(40 * 512 / 16000.0 + 0.03, Assert.Single(segments).EndSec, 3);
    }

    [Fact]
    public void Push_BlipShorterThanMinimumSpeech_IsDropped()
    {
        Assert.Empty(Run([.. Frames(0.0f, 10), .. Frames(0.9f, 3), .. Frames(0.0f, 20)]));
    }

    [Fact]
    public void Flush_OpenSegment_ClosesAtStreamEnd()
    {
        List<SpeechSegment> segments = Run([.. Frames(0.0f, 10), .. Frames(0.9f, 20)]);

        Assert.Equal(30 * 512 / 16000.0, Assert.Single(segments).EndSec, 3);
    }

    [Fact]
    public void Constructor_OffsetAboveOnset_Throws()
    {
        Assert.Throws<ArgumentException>(() => new VadSegmenter(new VadSegmenterOptions { OnsetThreshold = 0.3f, OffsetThreshold = 0.6f }, 16000));
    }

    private static float[] Frames(float p, int count) => Enumerable.Repeat(p, count).ToArray();

    private static List<SpeechSegment> Run(float[] probabilities)
    {
        var segmenter = new VadSegmenter(s_options, 16000);
        var result = new List<SpeechSegment>();
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (segmenter.Push(probabilities[i], i * 512L, (i + 1) * 512L) is { } s)
            {
                result.Add(s);
            }
        }

        if (segmenter.Flush(probabilities.Length * 512L) is { } last)
        {
            result.Add(last);
        }

        return result;
    }
}
