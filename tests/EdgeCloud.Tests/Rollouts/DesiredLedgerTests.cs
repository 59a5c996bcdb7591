using EdgeAgent.Contracts;
using EdgeCloud.Rollouts;

namespace EdgeCloud.Tests.Rollouts;

/// <summary>What goes out to a device, when, and with which version; and the outbox the broker side drains.</summary>
public sealed class DesiredLedgerTests
{
    private static readonly DateTimeOffset s_now = RolloutSamples.Start;
    private static readonly DesiredModel s_shadow = new() { RolloutId = "ro-1", Name = "silero_vad", Version = "v6", Mode = DesiredModel.Shadow, Fallback = "v5" };

    [Fact]
    public void AStateGoesOutWhenItChanges_IncludingTheEmptyList_WhenTheLastModelLeavesIt()
    {
        var ledger = new DesiredLedger(TimeSpan.FromSeconds(5));

        Assert.Null(ledger.Next("d", [], s_now, force: false)); // never asked anything: nothing to send
        DesiredState first = ledger.Next("d", [s_shadow], s_now, force: false)!;
        Assert.Null(ledger.Next("d", [s_shadow with { }], s_now, force: false)); // the same content
        DesiredState withdrawn = ledger.Next("d", [], s_now, force: false)!;

        Assert.Empty(withdrawn.Models);
        Assert.True(withdrawn.Version > first.Version);
        Assert.Equal(s_now.ToUnixTimeMilliseconds(), first.Version);
    }

    [Fact]
    public void Versions_StayAboveWhatTheDeviceApplied_EvenFromAnotherInstance()
    {
        var ledger = new DesiredLedger(TimeSpan.FromSeconds(5));
        long elsewhere = s_now.ToUnixTimeMilliseconds() + 10_000; // another instance, its clock ahead

        ledger.Acknowledge("d", elsewhere);
        DesiredState next = ledger.Next("d", [s_shadow], s_now, force: false)!;

        Assert.Equal(elsewhere + 1, next.Version);
        Assert.False(ledger.Acknowledged("d"));
    }

    [Fact]
    public void AnUnacknowledgedState_IsDueAgain_BackingOffToOnceAMinute_AndNotOnceAcknowledged()
    {
        var ledger = new DesiredLedger(TimeSpan.FromSeconds(5));
        DesiredState sent = ledger.Next("d", [s_shadow], s_now, force: false)!;
        var dueAt = new List<double>();

        for (int s = 1; s <= 300; s++)
        {
            if (ledger.Due(s_now.AddSeconds(s)) is [var device])
            {
                Assert.Equal(("d", sent), (device, ledger.Resend(device, [s_shadow], s_now.AddSeconds(s))?.State));
                dueAt.Add(s);
            }
        }

        Assert.Equal([5.0, 15, 35, 75, 135, 195, 255], dueAt);
        ledger.Acknowledge("d", sent.Version);
        Assert.Empty(ledger.Due(s_now.AddHours(1)));
        Assert.True(ledger.Acknowledged("d"));
    }

    [Fact]
    public void AStateDueAgain_ThatAnotherInstanceChangedMeanwhile_GoesOutAsANewVersion()
    {
        var ledger = new DesiredLedger(TimeSpan.FromSeconds(5));
        DesiredState sent = ledger.Next("d", [s_shadow], s_now, force: false)!;

        Assert.Equal(["d"], ledger.Due(s_now.AddSeconds(5)));
        (DesiredState again, int sends) = ledger.Resend("d", [s_shadow with { Mode = DesiredModel.Active }], s_now.AddSeconds(5))!.Value;

        Assert.Equal((DesiredModel.Active, 1), (again.Models.Single().Mode, sends));
        Assert.True(again.Version > sent.Version);
        Assert.Empty(ledger.Due(s_now.AddSeconds(9)));
    }

    [Fact]
    public async Task TheOutbox_KeepsOnlyTheNewestStatePerDevice_InTheOrderDevicesCameIn()
    {
        var outbox = new DesiredOutbox();
        CancellationToken ct = TestContext.Current.CancellationToken;

        await outbox.PublishDesiredAsync("a", new DesiredState { Version = 2 }, ct);
        await outbox.PublishDesiredAsync("b", new DesiredState { Version = 1 }, ct);
        await outbox.PublishDesiredAsync("a", new DesiredState { Version = 3 }, ct);
        await outbox.PublishDesiredAsync("a", new DesiredState { Version = 1 }, ct); // older: never replaces a newer one

        Assert.Equal(2, outbox.Pending);
        (string first, DesiredState firstState) = await outbox.TakeAsync(ct);
        (string second, DesiredState secondState) = await outbox.TakeAsync(ct);
        Assert.Equal((("a", 3L), ("b", 1L)), ((first, firstState.Version), (second, secondState.Version)));
        Assert.Equal(0, outbox.Pending);
    }
}
