using System.Text;
using EdgeAgent.Link;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Service.Tests.Fleet;

public sealed class OutboxTests
{
    private readonly string _dir = TestPaths.NewTempDirectory();

    [Fact]
    public void Enqueue_NumbersEachSequenceWithoutGapsOrReuse_AcrossReopening()
    {
        using (var outbox = new Outbox(_dir, 1 << 20))
        {
            Assert.Equal(1ul, outbox.Enqueue("summary", Outbox.Telemetry, "t", false, Payload));
            Assert.Equal(2ul, outbox.Enqueue("summary", Outbox.Telemetry, "t", false, Payload));
            Assert.Equal(1ul, outbox.Enqueue("event", Outbox.Event, "e", false, Payload));
            outbox.Remove(outbox.Peek(1)[0].Id);
        }

        using (var outbox = new Outbox(_dir, 1 << 20))
        {
            Assert.Equal(3ul, outbox.Enqueue("summary", Outbox.Telemetry, "t", false, Payload));
            Assert.Equal(["2", "1", "3"], outbox.Peek(10).Select(m => Encoding.ASCII.GetString(m.Payload)));
            Assert.Equal(3, outbox.Count);
        }
    }

    [Fact]
    public void Enqueue_BeyondTheBound_DropsOldestTelemetryFirstAndEventsLast_CountingEveryDrop()
    {
        using var outbox = new Outbox(_dir, 4096);
        byte[] kilobyte = new byte[1024];
        outbox.Enqueue("event", Outbox.Event, "e", false, _ => kilobyte);
        for (int i = 0; i < 5; i++)
        {
            outbox.Enqueue("summary", Outbox.Telemetry, "t", false, _ => kilobyte);
        }

        // 6 KB into 4 KB: the two oldest summaries went, the older event stayed.
        Assert.Equal(["e", "t", "t", "t"], outbox.Peek(10).Select(m => m.Topic));
        Assert.Equal(2, outbox.Dropped);
        Assert.True(outbox.Bytes <= 4096);

        for (int i = 0; i < 4; i++)
        {
            outbox.Enqueue("event", Outbox.Event, "e", false, _ => kilobyte);
        }

        // Only events left to drop: the oldest event goes.
        Assert.Equal(["e", "e", "e", "e"], outbox.Peek(10).Select(m => m.Topic));
        Assert.Equal(6, outbox.Dropped);
    }

    [Fact]
    public void Next_CountsPersistedAcrossReopening()
    {
        using (var outbox = new Outbox(_dir, 1 << 20))
        {
            Assert.Equal(1, outbox.Next("bdSeq"));
            Assert.Equal(2, outbox.Next("bdSeq"));
        }

        using (var outbox = new Outbox(_dir, 1 << 20))
        {
            Assert.Equal(3, outbox.Next("bdSeq"));
        }
    }

    private static byte[] Payload(ulong seq) => Encoding.ASCII.GetBytes(seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
