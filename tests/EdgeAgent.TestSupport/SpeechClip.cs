namespace EdgeAgent.TestSupport;

/// <summary>
/// A synthesised test utterance: <see cref="Keyword"/> is the head that should fire (null for neutral speech);
/// <see cref="OnsetSec"/> is where the voice starts, measured on the clean signal.
/// </summary>
public sealed record SpeechClip(string Path, string Text, string? Keyword, string Voice, int Speed, bool Noisy, double OnsetSec)
{
    public override string ToString() => System.IO.Path.GetFileName(Path);
}
