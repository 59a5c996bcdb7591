using System.Buffers;
using EdgeCloud.Storage;

namespace EdgeCloud.Registry;

/// <summary>
/// A registered model's file as a seekable, read-only stream over <see cref="ICloudStore.ReadModelFileAsync"/>: it holds
/// one pooled chunk, never the file, so concurrent downloads of a large model cost a chunk each. Seekable so that
/// ASP.NET Core serves HTTP Range requests (resumed downloads) from it.
/// </summary>
internal sealed class ModelFileStream(ICloudStore store, string name, string version, long length, int chunkBytes = ModelFileStream.DefaultChunkBytes) : Stream
{
    public const int DefaultChunkBytes = 256 * 1024;

    private byte[]? _chunk = ArrayPool<byte>.Shared.Rent(chunkBytes);
    private long _chunkStart;
    private int _chunkLength;
    private long _position;

    public override bool CanRead => _chunk is not null;

    public override bool CanSeek => _chunk is not null;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a position is not negative");
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        byte[] chunk = _chunk ?? throw new ObjectDisposedException(nameof(ModelFileStream));
        if (buffer.IsEmpty || _position >= length)
        {
            return 0;
        }

        if (_position < _chunkStart || _position >= _chunkStart + _chunkLength)
        {
            _chunkStart = _position;
            _chunkLength = await store.ReadModelFileAsync(name, version, _position, chunk.AsMemory(0, chunkBytes), cancellationToken);
            if (_chunkLength == 0)
            {
                throw new IOException($"{name}@{version}: the stored file ends at {_position} bytes, but its manifest says {length}");
            }
        }

        int offsetInChunk = (int)(_position - _chunkStart);
        int n = Math.Min(buffer.Length, _chunkLength - offsetInChunk);
        chunk.AsMemory(offsetInChunk, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (_chunk is { } chunk)
        {
            _chunk = null;
            ArrayPool<byte>.Shared.Return(chunk);
        }

        base.Dispose(disposing);
    }
}
