using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;
using EdgeAgent.Updates.Intents;
using EdgeAgent.Updates.Slots;

namespace EdgeAgent.Updates.Tests.Slots;

public sealed class ModelSlotsTests
{
    private readonly ModelStore _store = new(TestPaths.NewTempDirectory());

    public ModelSlotsTests()
    {
        foreach (string version in new[] { "1.0", "2.0" })
        {
            string file = Path.Combine(TestPaths.NewTempDirectory(), "m.onnx");
            File.WriteAllText(file, "model " + version);
            _store.Install(file, new ModelManifest
            {
                Name = "head", Kind = ModelKind.Keyword, Version = version, Sha256 = ModelStore.ComputeSha256(file),
                Inputs = [new TensorSignature("x", "float32", [1, 16, 96])], Outputs = [new TensorSignature("y", "float32", [1, 1])],
            });
        }
    }

    [Fact]
    public void Update_WritesAtomically_AndReadsBack()
    {
        ModelSlots.Update(_store.Root, d => d.With("head", new ModelSlot { Active = "2.0", Previous = "1.0" }) with { AppliedVersion = 7, LastIntentSeq = 3 });

        SlotsDocument read = ModelSlots.Read(_store.Root);

        Assert.Equal((7, 3), (read.AppliedVersion, read.LastIntentSeq));
        Assert.Equal(("2.0", "1.0"), (read.For("head")!.Active, read.For("head")!.Previous));
        Assert.Empty(Directory.GetFiles(_store.Root, "*.tmp"));
    }

    [Fact]
    public void Rollback_SwapsActiveAndPrevious_AndSaysWhoDidIt()
    {
        SlotsDocument doc = new SlotsDocument().With("head", new ModelSlot { Active = "2.0", Previous = "1.0", ProbationUntil = DateTimeOffset.UnixEpoch });

        ModelSlot slot = SlotChanges.Apply(doc, Intent(IntentKind.Rollback, by: "edgectl models rollback"), Installed);

        Assert.Equal(("1.0", "2.0", (DateTimeOffset?)null), (slot.Active, slot.Previous, slot.ProbationUntil));
        Assert.Contains("edgectl models rollback: rolled back from 2.0 to 1.0", slot.LastChange);
        Assert.Equal("1.0", slot.Serving);
    }

    [Fact]
    public void Rollback_WithoutAPreviousVersion_OrWhenPinned_IsRefusedWithTheReason()
    {
        var doc = new SlotsDocument();
        Assert.Contains("no model slots", Assert.Throws<ModelStoreException>(() => SlotChanges.Apply(doc, Intent(IntentKind.Rollback), Installed)).Message);
        doc = doc.With("head", new ModelSlot { Active = "2.0" });
        Assert.Contains("no previous version", Assert.Throws<ModelStoreException>(() => SlotChanges.Apply(doc, Intent(IntentKind.Rollback), Installed)).Message);

        doc = doc.With("head", SlotChanges.Apply(doc, Intent(IntentKind.Pin, "1.0"), Installed));
        Assert.Contains("pinned to 1.0", Assert.Throws<ModelStoreException>(() => SlotChanges.Apply(doc, Intent(IntentKind.Rollback), Installed)).Message);
        Assert.Equal("1.0", doc.For("head")!.Serving);
        Assert.Equal("2.0", SlotChanges.Apply(doc, Intent(IntentKind.Unpin), Installed).Serving);
        Assert.Contains("not pinned", Assert.Throws<ModelStoreException>(() => SlotChanges.Apply(new SlotsDocument().With("head", new ModelSlot { Active = "2.0" }), Intent(IntentKind.Unpin), Installed)).Message);
    }

    [Fact]
    public void Pin_AVersionThatIsNotInstalled_IsRefused()
    {
        Assert.Contains("not installed", Assert.Throws<ModelStoreException>(() => SlotChanges.Apply(new SlotsDocument(), Intent(IntentKind.Pin, "9.9"), Installed)).Message);
    }

    [Fact]
    public void Intents_AreNumberedInOrder_PendingUntilTheSlotsRecordThem_ThenRemoved()
    {
        TechnicianIntent first = IntentQueue.Add(_store.Root, Intent(IntentKind.Pin, "1.0"));
        TechnicianIntent second = IntentQueue.Add(_store.Root, Intent(IntentKind.Unpin));

        Assert.Equal((1, 2), (first.Seq, second.Seq));
        Assert.Equal([IntentKind.Pin, IntentKind.Unpin], IntentQueue.Pending(_store.Root, ModelSlots.Read(_store.Root)).Select(i => i.Kind));
        Assert.Contains("\"kind\": \"pin\"", File.ReadAllText(Directory.GetFiles(IntentQueue.DirIn(_store.Root), "*.json").Order().First()));

        SlotsDocument applied = ModelSlots.Update(_store.Root, d => d with { LastIntentSeq = 1 });
        Assert.Equal([2L], IntentQueue.Pending(_store.Root, applied).Select(i => i.Seq));
        IntentQueue.RemoveApplied(_store.Root, applied);
        Assert.Single(Directory.GetFiles(IntentQueue.DirIn(_store.Root), "*.json"));

        // Numbers never go back, even once every file is gone.
        IntentQueue.RemoveApplied(_store.Root, ModelSlots.Update(_store.Root, d => d with { LastIntentSeq = 2 }));
        Assert.Equal(3, IntentQueue.Add(_store.Root, Intent(IntentKind.Unpin)).Seq);
    }

    [Fact]
    public void Read_ATornOrForeignFile_IsAClearError()
    {
        File.WriteAllText(ModelSlots.PathIn(_store.Root), "{\"schemaVersion\":1,\"models\":{\"head\":");

        var ex = Assert.Throws<ModelStoreException>(() => ModelSlots.Read(_store.Root));

        Assert.Contains("unreadable model slots", ex.Message);
    }

    private bool Installed(string name, string version) => _store.List().Any(m => m.Name == name && m.Version == version);

    private static TechnicianIntent Intent(IntentKind kind, string? version = null, string by = "t") => new() { Kind = kind, Name = "head", Version = version, By = by };
}
