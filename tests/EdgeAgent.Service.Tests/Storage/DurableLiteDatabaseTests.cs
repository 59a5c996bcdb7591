using EdgeAgent.Storage;
using LiteDB;

namespace EdgeAgent.Service.Tests.Storage;

public sealed class DurableLiteDatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("durable-litedb-").FullName;

    private string DbPath => Path.Combine(_dir, "test.db");

    [Fact]
    public void ATransactionOfManyPages_IsMadeDurableByOneFsync_AndAFlushWithNothingWrittenCostsNone()
    {
        using var file = new DurableLiteDatabase(DbPath);
        ILiteCollection<BsonDocument> docs = file.Database.GetCollection("docs");
        file.Flush();
        long before = file.Fsyncs;

        file.Database.BeginTrans();
        for (int i = 0; i < 500; i++)
        {
            docs.Insert(new BsonDocument { ["_id"] = i, ["payload"] = new byte[1500] }); // ~100 pages
        }

        file.Database.Commit();
        file.Flush();
        Assert.Equal(before + 1, file.Fsyncs);
        Assert.True(new FileInfo(DurableLiteDatabase.LogPath(DbPath)).Length > 90 * 8192, "the commit's pages are in the log file");

        file.Flush();
        _ = docs.FindById(7); // reads write nothing
        file.Flush();
        Assert.Equal(before + 1, file.Fsyncs);

        docs.Delete(7); // an auto-committed write
        file.Flush();
        Assert.Equal(before + 2, file.Fsyncs);
    }

    [Fact]
    public void CallersFlushingAtOnce_ShareFsyncs_AndEachReturnsWithItsOwnWriteDurable()
    {
        using var file = new DurableLiteDatabase(DbPath);
        ILiteCollection<BsonDocument> docs = file.Database.GetCollection("docs");
        var gate = new Lock();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            lock (gate)
            {
                docs.Insert(new BsonDocument { ["_id"] = i });
            }

            file.Flush();
        });

        Assert.InRange(file.Fsyncs, 1, 200);
        long settled = file.Fsyncs;
        file.Flush();
        Assert.Equal(settled, file.Fsyncs); // every write was covered by an fsync that started after it
    }

    [Fact]
    public void ACommitFlushedButNeverCheckpointed_IsRecoveredByPlainLiteDb_FromTheFilesLiteDbWouldUse()
    {
        // A process that dies after Flush: its files are copied while it still holds them (no checkpoint, no dispose).
        string crashed = Directory.CreateTempSubdirectory("durable-litedb-crash-").FullName;
        try
        {
            using (var file = new DurableLiteDatabase(DbPath))
            {
                ILiteCollection<BsonDocument> docs = file.Database.GetCollection("docs");
                file.Database.BeginTrans();
                docs.Insert(new BsonDocument { ["_id"] = "a", ["n"] = 1 });
                docs.Insert(new BsonDocument { ["_id"] = "b", ["n"] = 2 });
                file.Database.Commit();
                file.Flush();
                Assert.True(new FileInfo(DurableLiteDatabase.LogPath(DbPath)).Length > 0, "the commit is still only in the log");
                foreach (string f in Directory.GetFiles(_dir))
                {
                    using var source = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    using FileStream copy = File.Create(Path.Combine(crashed, Path.GetFileName(f)));
                    source.CopyTo(copy);
                }
            }

            using var plain = new LiteDatabase(new ConnectionString { Filename = Path.Combine(crashed, "test.db"), Connection = ConnectionType.Direct });
            Assert.Equal(2, plain.GetCollection("docs").FindById("b")["n"].AsInt32);
            Assert.Equal(2, plain.GetCollection("docs").Count());
        }
        finally
        {
            Directory.Delete(crashed, recursive: true);
        }
    }

    [Fact]
    public void Dispose_CheckpointsIntoTheDataFile_AndRemovesTheEmptyLog_LikeLiteDb()
    {
        using (var file = new DurableLiteDatabase(DbPath))
        {
            file.Database.GetCollection("docs").Insert(new BsonDocument { ["_id"] = 1 });
            file.Flush();
        }

        Assert.False(File.Exists(DurableLiteDatabase.LogPath(DbPath)));
        using var reopened = new DurableLiteDatabase(DbPath);
        Assert.Equal(1, reopened.Database.GetCollection("docs").Count());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
