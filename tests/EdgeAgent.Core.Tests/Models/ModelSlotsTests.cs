using EdgeAgent.Core.Models;
using EdgeAgent.TestSupport;

namespace EdgeAgent.Core.Tests.Models;

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
        ModelSlots.Update(_store.Root, d => d.With("head", new ModelSlot { Active = "2.0", Previous = "1.0" }) with { AppliedVersion = 7 });

        SlotsDocument read = ModelSlots.Read(_store.Root);

        Assert.Equal(7, read.AppliedVersion);
        Assert.Equal(("2.0", "1.0"), (read.For("head")!.Active, read.For("head")!.Previous));
        Assert.Empty(Directory.GetFiles(_store.Root, "*.tmp"));
    }

    [Fact]
    public void Rollback_SwapsActiveAndPrevious_AndSaysWhoDidIt()
    {
        ModelSlots.Update(_store.Root, d => d.With("head", new ModelSlot { Active = "2.0", Previous = "1.0", ProbationUntil = DateTimeOffset.UnixEpoch }));

        ModelSlot slot = SlotChanges.Rollback(_store, "head", "edgectl models rollback");

        Assert.Equal(("1.0", "2.0", (DateTimeOffset?)null), (slot.Active, slot.Previous, slot.ProbationUntil));
        Assert.Contains("edgectl models rollback: rolled back from 2.0 to 1.0", slot.LastChange);
        Assert.Equal("1.0", ModelSlots.Read(_store.Root).For("head")!.Serving);
    }

    [Fact]
    public void Rollback_WithoutAPreviousVersion_OrWhenPinned_IsRefusedWithTheReason()
    {
        Assert.Contains("no model slots", Assert.Throws<ModelStoreException>(() => SlotChanges.Rollback(_store, "head", "t")).Message);
        ModelSlots.Update(_store.Root, d => d.With("head", new ModelSlot { Active = "2.0" }));
        Assert.Contains("no previous version", Assert.Throws<ModelStoreException>(() => SlotChanges.Rollback(_store, "head", "t")).Message);

        SlotChanges.Pin(_store, "head", "1.0", "t");
        Assert.Contains("pinned to 1.0", Assert.Throws<ModelStoreException>(() => SlotChanges.Rollback(_store, "head", "t")).Message);
        Assert.Equal("1.0", ModelSlots.Read(_store.Root).For("head")!.Serving);
        Assert.Equal("2.0", SlotChanges.Unpin(_store, "head", "t").Serving);
    }

    [Fact]
    public void Pin_AVersionThatIsNotInstalled_IsRefused()
    {
        Assert.Contains("not installed", Assert.Throws<ModelStoreException>(() => SlotChanges.Pin(_store, "head", "9.9", "t")).Message);
        Assert.Null(ModelSlots.Read(_store.Root).For("head"));
    }

    [Fact]
    public void Read_ATornOrForeignFile_IsAClearError()
    {
        File.WriteAllText(ModelSlots.PathIn(_store.Root), "{\"schemaVersion\":1,\"models\":{\"head\":");

        var ex = Assert.Throws<ModelStoreException>(() => ModelSlots.Read(_store.Root));

        Assert.Contains("unreadable model slots", ex.Message);
    }
}
