using EdgeAgent.Drift.Features;

namespace EdgeAgent.Drift.Profiles;

/// <summary>
/// Feeds 32 ms frames with their VAD probability into a <see cref="SignalProfile"/>; allocation-free per frame.
/// Tracks the noise (a slow average of the level and power spectrum of non-speech frames): its spectrum is subtracted
/// from speech frames before their shape is measured, and only speech frames at least <see cref="CleanMarginDb"/>
/// above the noise floor count for spectral shape, so that a noisier room does not pass for a new microphone.
/// </summary>
public sealed class SignalProfiler
{
    public const double CleanMarginDb = 15;
    private const double FloorSmoothing = 0.02;

    private readonly FrameFeatureExtractor _extractor = new();
    private readonly float[] _mel = new float[FrameFeatureExtractor.MelBands];
    private readonly float[] _noisePower = new float[FrameFeatureExtractor.FrameSamples / 2 + 1];
    private double _noiseFloorDb = double.NaN;

    public SignalProfile Profile { get; private set; } = new();

    /// <summary>Where the pipeline's outputs over the same audio go (keyword scores, segments, detections, latency).</summary>
    public PredictionProfile Predictions => Profile.Predictions;

    /// <summary>Adds one 32 ms frame with its VAD probability and, when known, the VAD's time on it.</summary>
    public void Push(ReadOnlySpan<float> frame, float vadProbability, double vadLatencyMs = double.NaN)
    {
        Profile.Predictions.AddVadLatency(vadLatencyMs);
        bool speech = vadProbability >= SignalProfile.SpeechProbability;
        bool known = !double.IsNaN(_noiseFloorDb);
        FrameFeatures features = _extractor.Extract(frame, _mel, speech && known ? _noisePower : default);
        if (!speech && !features.DigitalSilence)
        {
            ReadOnlySpan<float> power = _extractor.Power;
            float a = known ? (float)FloorSmoothing : 1f;
            for (int k = 0; k < _noisePower.Length; k++)
            {
                _noisePower[k] += a * (power[k] - _noisePower[k]);
            }

            _noiseFloorDb = known ? _noiseFloorDb + FloorSmoothing * (features.LevelDb - _noiseFloorDb) : features.LevelDb;
        }

        bool clean = double.IsNaN(_noiseFloorDb) || features.LevelDb >= _noiseFloorDb + CleanMarginDb;
        Profile.Add(features, vadProbability, _mel, clean);
    }

    /// <summary>Hands over the profile accumulated so far and starts a new one (window rollover).</summary>
    public SignalProfile TakeProfile()
    {
        SignalProfile done = Profile;
        Profile = new SignalProfile();
        return done;
    }
}
