namespace EdgeCloud.Tests.Rollouts.Simulation;

/// <summary>
/// An in-memory MQTT broker with QoS 1 semantics and the faults of a real network: every delivery is delayed by a
/// random time (so messages overtake each other), some are delivered twice, and a delivery to a client that went away
/// before it arrived is lost. Retained messages are kept per topic and handed to a client when it connects, until the
/// broker restarts (an embedded broker forgets them). What a sender must not lose it keeps until acknowledged (see
/// <see cref="SimOutbox"/>).
/// </summary>
internal sealed class SimBroker(SimClock clock, SimFaults faults)
{
    private readonly Dictionary<string, byte[]> _retained = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subscriber> _clients = new(StringComparer.Ordinal);

    public long Delivered { get; private set; }

    public long Duplicated { get; private set; }

    public long Lost { get; private set; }

    public bool IsConnected(string clientId) => _clients.ContainsKey(clientId);

    /// <summary>Connects <paramref name="clientId"/> (replacing an earlier session) and hands it the retained messages it subscribes to.</summary>
    public void Connect(string clientId, Func<string, bool> subscribes, Func<string, byte[], Task> handler)
    {
        var subscriber = new Subscriber(clientId, subscribes, handler, Guid.NewGuid());
        _clients[clientId] = subscriber;
        foreach ((string topic, byte[] payload) in _retained.Where(r => subscribes(r.Key)).ToList())
        {
            Deliver(subscriber, topic, payload, duplicate: false);
        }
    }

    public void Disconnect(string clientId) => _clients.Remove(clientId);

    /// <summary>Publishes to every connected subscriber; <paramref name="delivered"/> runs once the first copy reached a subscriber (the PUBACK of a message the sender keeps until then).</summary>
    public void Publish(string topic, byte[] payload, bool retain, Action? delivered = null)
    {
        if (retain)
        {
            _retained[topic] = payload;
        }

        foreach (Subscriber s in _clients.Values.Where(c => c.Subscribes(topic)).ToList())
        {
            Deliver(s, topic, payload, faults.Duplicate > 0 && clock.Chance(faults.Duplicate), delivered);
            delivered = null;
        }
    }

    /// <summary>The broker restarts: every client is disconnected and the retained messages are gone.</summary>
    public void Restart()
    {
        _retained.Clear();
        _clients.Clear();
    }

    private void Deliver(Subscriber s, string topic, byte[] payload, bool duplicate, Action? delivered = null)
    {
        int copies = duplicate ? 2 : 1;
        Duplicated += copies - 1;
        for (int i = 0; i < copies; i++)
        {
            clock.After(clock.Jitter(faults.MaxDelay), async () =>
            {
                if (!_clients.TryGetValue(s.ClientId, out Subscriber? now) || now.Session != s.Session)
                {
                    Lost++; // the client went away (or reconnected) before the message arrived
                    return;
                }

                Delivered++;
                await s.Handler(topic, payload);
                delivered?.Invoke();
                delivered = null;
            });
        }
    }

    private sealed record Subscriber(string ClientId, Func<string, bool> Subscribes, Func<string, byte[], Task> Handler, Guid Session);
}

/// <summary>How hostile the simulated network is.</summary>
internal sealed record SimFaults(TimeSpan MaxDelay, double Duplicate)
{
    public static SimFaults Draw(SimClock clock) => new(TimeSpan.FromMilliseconds(50 + clock.Random.Next(3000)), clock.Random.NextDouble() * 0.2);
}
