using EdgeAgent.Drift.Profiles;

namespace EdgeAgent.Drift.Detection;

/// <summary>Distances between a current and a reference histogram of the same layout.</summary>
public static class DriftStatistics
{
    private const double Epsilon = 1e-4;

    /// <summary>
    /// How far the speech mel fingerprint moved from the reference's: the RMS over the 32 bands of the difference of
    /// their means, with the overall level difference (<paramref name="levelDb"/>) removed (dB).
    /// </summary>
    public static double FingerprintDistance(SignalProfile current, SignalProfile reference, out double levelDb)
    {
        int bands = current.MelBands.Count;
        double sum = 0, sumSquares = 0;
        for (int b = 0; b < bands; b++)
        {
            double d = current.MelBands[b].Mean - reference.MelBands[b].Mean;
            sum += d;
            sumSquares += d * d;
        }

        levelDb = sum / bands;
        return Math.Sqrt(Math.Max(0, sumSquares / bands - levelDb * levelDb));
    }

    /// <summary>Jensen–Shannon distance (square root of the divergence, base 2): 0 identical, 1 disjoint.</summary>
    public static double JensenShannonDistance(Histogram current, Histogram reference)
    {
        Check(current, reference);
        ReadOnlySpan<long> c = current.Counts, r = reference.Counts;
        double divergence = 0;
        for (int i = 0; i < c.Length; i++)
        {
            double p = (double)c[i] / current.Total, q = (double)r[i] / reference.Total, m = (p + q) / 2;
            divergence += (p > 0 ? 0.5 * p * Math.Log2(p / m) : 0) + (q > 0 ? 0.5 * q * Math.Log2(q / m) : 0);
        }

        return Math.Sqrt(Math.Max(0, divergence));
    }

    /// <summary>Population stability index, with a small floor so empty bins stay finite.</summary>
    public static double PopulationStabilityIndex(Histogram current, Histogram reference)
    {
        Check(current, reference);
        ReadOnlySpan<long> c = current.Counts, r = reference.Counts;
        double psi = 0;
        for (int i = 0; i < c.Length; i++)
        {
            double p = Math.Max(Epsilon, (double)c[i] / current.Total), q = Math.Max(Epsilon, (double)r[i] / reference.Total);
            psi += (p - q) * Math.Log(p / q);
        }

        return psi;
    }

    /// <summary>
    /// Signed earth mover's (Wasserstein-1) distance in the feature's own unit (dB for levels): how far the
    /// current distribution sits from the reference, positive when it moved up.
    /// </summary>
    public static double Wasserstein(Histogram current, Histogram reference, out double signed)
    {
        Check(current, reference);
        ReadOnlySpan<long> c = current.Counts, r = reference.Counts;
        double fc = 0, fr = 0, distance = 0, direction = 0;
        for (int i = 0; i < c.Length - 1; i++)
        {
            fc += (double)c[i] / current.Total;
            fr += (double)r[i] / reference.Total;
            distance += Math.Abs(fc - fr) * current.BinWidth;
            direction += (fr - fc) * current.BinWidth; // mass further up in current → positive
        }

        signed = direction;
        return distance;
    }

    private static void Check(Histogram current, Histogram reference)
    {
        if (!current.SameLayout(reference))
        {
            throw new ArgumentException("histograms of different layouts cannot be compared");
        }

        if (current.Total == 0 || reference.Total == 0)
        {
            throw new ArgumentException("an empty histogram cannot be compared");
        }
    }
}
