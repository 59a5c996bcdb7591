using System.Buffers;
using System.IO.Compression;
using System.Text;

namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// The compact binary form of a <see cref="SignalProfile"/>, for telemetry and storage (an hour of a device fits in a
/// few kilobytes): "EP", a version byte, the body's length, then the body compressed with Brotli. The body is varints:
/// frame counts; per catalogued feature its sparse histogram (bin deltas and counts) and exact moments; the 32 mel
/// moments; the prediction histograms and each keyword's name, detections and scores; since version 2 the stuck and
/// converter-noise frame counts and the reference's spread (feature, segments, mean and σ in 1/1000). The histogram
/// layouts are those of the version; <see cref="ProfileDocument"/> is the readable form of the same content.
/// </summary>
public static class ProfileCodec
{
    /// <summary>The version written. Version 1 (without the dead-input frame counts) still decodes, with them at zero.</summary>
    public const byte Version = 2;

    private const byte OldestVersion = 1;
    private const int MaxBodyBytes = 1 << 20;

    public static byte[] Encode(SignalProfile profile) => Encode(profile, quality: 9);

    /// <summary>
    /// The same encoding at another Brotli quality (0-11): the bytes differ, the decoded profile does not. Stores that
    /// re-encode merged profiles often (the cloud's rollups) use a low quality, about a hundred times faster than 9.
    /// </summary>
    public static byte[] Encode(SignalProfile profile, int quality)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quality);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 11);
        var body = new ArrayBufferWriter<byte>(4096);
        var w = new Writer(body);
        w.Unsigned((ulong)profile.Frames);
        w.Unsigned((ulong)profile.SpeechFrames);
        w.Unsigned((ulong)profile.CleanSpeechFrames);
        w.Unsigned((ulong)profile.NonSpeechFrames);
        w.Unsigned((ulong)profile.Histograms.Count);
        for (int i = 0; i < profile.Histograms.Count; i++)
        {
            w.Histogram(profile.Histograms[i]);
            w.Moments(profile.Moments[i]);
        }

        w.Unsigned((ulong)profile.MelBands.Count);
        foreach (RunningMoments band in profile.MelBands)
        {
            w.Moments(band);
        }

        PredictionProfile p = profile.Predictions;
        w.Histogram(p.SegmentSeconds);
        w.Histogram(p.VadLatencyMs);
        w.Histogram(p.ChunkLatencyMs);
        w.Unsigned((ulong)p.Keywords.Count);
        foreach ((string name, KeywordPrediction k) in p.Keywords)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            w.Unsigned((ulong)utf8.Length);
            body.Write(utf8);
            w.Unsigned((ulong)k.Detections);
            w.Histogram(k.Scores);
        }

        w.Unsigned((ulong)profile.StuckFrames);
        w.Unsigned((ulong)profile.ConverterNoiseFrames);
        w.Unsigned((ulong)profile.Spread.Count);
        foreach (FeatureSpread s in profile.Spread)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(s.Feature);
            w.Unsigned((ulong)utf8.Length);
            body.Write(utf8);
            w.Unsigned((ulong)s.Segments);
            w.Unsigned((ulong)Math.Round(s.Mean * RunningMoments.Scale));
            w.Unsigned((ulong)Math.Round(s.Sigma * RunningMoments.Scale));
        }

        ReadOnlySpan<byte> raw = body.WrittenSpan;
        var output = new byte[3 + 5 + BrotliEncoder.GetMaxCompressedLength(raw.Length)];
        output[0] = (byte)'E';
        output[1] = (byte)'P';
        output[2] = Version;
        int header = 3 + WriteVarint(output.AsSpan(3), (ulong)raw.Length);
        if (!BrotliEncoder.TryCompress(raw, output.AsSpan(header), out int written, quality, window: quality >= 9 ? 22 : 18))
        {
            throw new InvalidOperationException("profile compression failed");
        }

        return output.AsSpan(0, header + written).ToArray();
    }

    /// <exception cref="FormatException">
    /// The bytes are not a profile of this version, or (<see cref="ProfileBoundsException"/>) the profile breaks a bound:
    /// more than <see cref="PredictionProfile.MaxKeywords"/> keywords, counts beyond its frames. The message says why.
    /// </exception>
    public static SignalProfile Decode(ReadOnlySpan<byte> encoded)
    {
        var profile = new SignalProfile();
        Decode(encoded, profile);
        return profile;
    }

    /// <summary>
    /// Decodes into <paramref name="into"/>, whatever it held before (a scratch profile reused across windows, so that
    /// decoding allocates no profile); after a <see cref="FormatException"/> it holds a partial load, to be reused or dropped.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> encoded, SignalProfile into)
    {
        if (encoded.Length < 4 || encoded[0] != 'E' || encoded[1] != 'P')
        {
            throw new FormatException("not an encoded profile (no 'EP' header)");
        }

        byte version = encoded[2];
        if (version is < OldestVersion or > Version)
        {
            throw new FormatException($"encoded profile version {version} is not supported (expected {OldestVersion} to {Version})");
        }

        try
        {
            byte[] headerBytes = encoded[3..Math.Min(encoded.Length, 3 + 19)].ToArray();
            var header = new Reader(headerBytes, headerBytes.Length);
            UInt128 length = header.Unsigned();
            if (length > MaxBodyBytes)
            {
                throw new FormatException($"encoded profile claims {length} bytes, more than the {MaxBodyBytes} allowed");
            }

            // The body's buffer is pooled: a window's is a few KB, and a busy cloud decodes thousands a second.
            byte[] raw = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                if (!BrotliDecoder.TryDecompress(encoded[(3 + header.Position)..], raw.AsSpan(0, (int)length), out int written) || written != (int)length)
                {
                    throw new FormatException("encoded profile is corrupt (decompression failed)");
                }

                ReadBody(new Reader(raw, (int)length), version, into);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(raw);
            }
        }
        catch (IndexOutOfRangeException)
        {
            throw new FormatException("encoded profile is truncated");
        }
    }

    private static void ReadBody(Reader r, byte version, SignalProfile profile)
    {
        long frames = r.Count(), speech = r.Count(), clean = r.Count(), nonSpeech = r.Count();
        profile.ClearForLoad();
        long features = r.Count();
        if (features != profile.Histograms.Count)
        {
            throw new FormatException($"encoded profile has {features} features, expected {profile.Histograms.Count}");
        }

        for (int i = 0; i < features; i++)
        {
            ReadOnlySpan<long> counts = r.Histogram(profile.Histograms[i].Bins);
            profile.Load(frames, speech, clean, nonSpeech, i, counts, r.Moments());
        }

        long bands = r.Count();
        if (bands != profile.MelBands.Count)
        {
            throw new FormatException($"encoded profile has {bands} mel bands, expected {profile.MelBands.Count}");
        }

        for (int b = 0; b < bands; b++)
        {
            profile.LoadMel(b, r.Moments());
        }

        PredictionProfile p = profile.Predictions;
        p.SegmentSeconds.Load(r.Histogram(p.SegmentSeconds.Bins));
        p.VadLatencyMs.Load(r.Histogram(p.VadLatencyMs.Bins));
        p.ChunkLatencyMs.Load(r.Histogram(p.ChunkLatencyMs.Bins));
        long keywords = r.Count();
        if (keywords > PredictionProfile.MaxKeywords)
        {
            throw new ProfileBoundsException($"encoded profile has {keywords} keywords, more than the {PredictionProfile.MaxKeywords} allowed");
        }

        for (int k = 0; k < keywords; k++)
        {
            string name = r.Text();
            if (p.Keywords.ContainsKey(name))
            {
                throw new FormatException($"encoded profile names keyword '{name}' twice");
            }

            KeywordPrediction keyword = p.KeywordForLoad(name);
            keyword.Detections = r.Count();
            keyword.Scores.Load(r.Histogram(keyword.Scores.Bins));
        }

        if (version >= 2)
        {
            profile.LoadDeadFrames(r.Count(), r.Count());
            var spread = new List<FeatureSpread>();
            for (long n = r.Count(), i = 0; i < n; i++)
            {
                string feature = r.Text();
                spread.Add(new FeatureSpread(feature, (int)Math.Min(int.MaxValue, r.Count()), (double)r.Count() / RunningMoments.Scale, (double)r.Count() / RunningMoments.Scale));
            }

            profile.Spread = spread;
        }

        if (!r.AtEnd)
        {
            throw new FormatException("encoded profile has trailing bytes");
        }

        profile.CheckBounds();
    }

    private static int WriteVarint(Span<byte> destination, UInt128 value)
    {
        int n = 0;
        while (value >= 0x80)
        {
            destination[n++] = (byte)((byte)value | 0x80);
            value >>= 7;
        }

        destination[n++] = (byte)value;
        return n;
    }

    private static UInt128 ZigZag(Int128 v) => (UInt128)((v << 1) ^ (v >> 127));

    private static Int128 UnZigZag(UInt128 v) => (Int128)(v >> 1) ^ -(Int128)(v & 1);

    private readonly struct Writer(ArrayBufferWriter<byte> output)
    {
        public void Unsigned(UInt128 value)
        {
            Span<byte> span = output.GetSpan(19);
            output.Advance(WriteVarint(span, value));
        }

        public void Signed(Int128 value) => Unsigned(ZigZag(value));

        public void Histogram(Histogram h)
        {
            ReadOnlySpan<long> counts = h.Counts;
            int nonZero = 0;
            foreach (long c in counts)
            {
                nonZero += c != 0 ? 1 : 0;
            }

            Unsigned((ulong)nonZero);
            int previous = -1;
            for (int i = 0; i < counts.Length; i++)
            {
                if (counts[i] != 0)
                {
                    Unsigned((ulong)(i - previous - 1));
                    Unsigned((ulong)counts[i]);
                    previous = i;
                }
            }
        }

        public void Moments(RunningMoments m)
        {
            (long count, Int128 sum, Int128 sumSquares, long min, long max) = m.Raw;
            Unsigned((ulong)count);
            if (count > 0)
            {
                Signed(sum);
                Unsigned((UInt128)sumSquares);
                Signed(min);
                Unsigned((ulong)(max - min));
            }
        }
    }

    /// <summary>Reads the first <paramref name="length"/> bytes of <paramref name="data"/> (past them: <see cref="IndexOutOfRangeException"/>, reported as truncated).</summary>
    private sealed class Reader(byte[] data, int length)
    {
        [ThreadStatic]
        private static long[]? t_counts; // one per thread: a decode runs start to end on one thread

        public int Position { get; private set; }

        public bool AtEnd => Position == length;

        public UInt128 Unsigned()
        {
            // Nearly every number fits 63 bits: gathered in a ulong (several times faster than UInt128 arithmetic).
            ulong low = 0;
            for (int shift = 0; shift < 63; shift += 7)
            {
                byte b = Next();
                low |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return low;
                }
            }

            UInt128 value = low; // sums of squares go on past 63 bits
            for (int shift = 63; shift < 128; shift += 7)
            {
                byte b = Next();
                value |= (UInt128)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new FormatException("encoded profile has an overlong number");
        }

        private byte Next() => Position < length ? data[Position++] : throw new IndexOutOfRangeException();

        public long Count()
        {
            UInt128 v = Unsigned();
            return v <= long.MaxValue ? (long)v : throw new FormatException($"encoded profile count {v} is out of range");
        }

        public string Text()
        {
            long claimed = Count();
            if (claimed is 0 or > 256 || Position + claimed > length)
            {
                throw new FormatException($"encoded profile has a bad name length {claimed}");
            }

            int bytes = (int)claimed;
            string text = Encoding.UTF8.GetString(data, Position, bytes);
            Position += bytes;
            if (text.Any(c => char.IsControl(c) || c == '\uFFFD'))
            {
                throw new FormatException("encoded profile has a name with control characters or invalid UTF-8");
            }

            return text;
        }

        /// <summary>The next histogram's counts, in a buffer reused by the next call (load them before reading on).</summary>
        public ReadOnlySpan<long> Histogram(int bins)
        {
            if (t_counts is null || t_counts.Length < bins + 2)
            {
                t_counts = new long[bins + 2];
            }

            Span<long> counts = t_counts.AsSpan(0, bins + 2);
            counts.Clear();
            long nonZero = Count();
            int index = -1;
            for (long i = 0; i < nonZero; i++)
            {
                long skip = Count();
                long next = skip >= counts.Length ? counts.Length : index + 1 + skip;
                if (next >= counts.Length)
                {
                    throw new FormatException($"encoded profile histogram bin {next} is beyond its {bins} bins");
                }

                index = (int)next;
                counts[index] = Count();
            }

            return counts;
        }

        public RunningMoments Moments()
        {
            long count = Count();
            if (count == 0)
            {
                return default;
            }

            Int128 sum = UnZigZag(Unsigned());
            var sumSquares = (Int128)Unsigned();
            var min = (long)UnZigZag(Unsigned());
            long max = min + Count();
            return RunningMoments.FromRaw(count, sum, sumSquares, min, max);
        }
    }
}
