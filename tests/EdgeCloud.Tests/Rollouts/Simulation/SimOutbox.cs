namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// A device's store-and-forward outbox, as the agent's LiteDB one: messages are numbered, kept (across agent kills:
/// it lives with the device, not the process) until the broker acknowledges them, and sent again in order after a
/// reconnect or when an acknowledgement is overdue — so they may arrive twice or out of order, never not at all while
/// the device comes back.
/// </summary>
internal sealed class SimOutbox(SimClock clock, SimBroker broker, string clientId)
{
    private readonly SortedDictionary<ulong, (string Topic, byte[] Payload, bool Retain, DateTimeOffset SentAt)> _pending = [];
    private ulong _seq;

    public int Pending => _pending.Count;

    public ulong NextSeq() => ++_seq;

    public void Enqueue(ulong seq, string topic, byte[] payload, bool retain)
    {
        _pending[seq] = (topic, payload, retain, DateTimeOffset.MinValue);
        Flush();
    }

    /// <summary>Sends what is unacknowledged (everything after a reconnect; what is overdue otherwise).</summary>
    public void Flush(bool all = false)
    {
        if (!broker.IsConnected(clientId))
        {
            return;
        }

        foreach ((ulong seq, (string topic, byte[] payload, bool retain, DateTimeOffset sentAt)) in _pending.ToList())
        {
            if (!all && clock.Now - sentAt < TimeSpan.FromSeconds(10))
            {
                continue;
            }

            _pending[seq] = (topic, payload, retain, clock.Now);
            broker.Publish(topic, payload, retain, () => _pending.Remove(seq));
        }
    }
}
