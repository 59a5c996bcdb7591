namespace EdgeCloud.Quality;

/// <summary>A proportion of <see cref="Successes"/> in <see cref="Trials"/> with its Wilson 95 % score interval.</summary>
public readonly record struct Proportion(long Successes, long Trials, double? Estimate, double Low, double High)
{
    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// The Wilson score interval: unlike the normal approximation it stays inside [0, 1] and is honest for small n (n = 1
    /// gives [0, 0.79] or [0.21, 1]); n = 0 has no estimate and the interval [0, 1] (nothing is known).
    /// </summary>
    public static Proportion Wilson(long successes, long trials, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (trials == 0)
        {
            return new Proportion(0, 0, null, 0, 1);
        }

        double n = trials, p = successes / n, z2 = z * z;
        double denominator = 1 + (z2 / n);
        double centre = (p + (z2 / (2 * n))) / denominator;
        double half = z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))) / denominator;
        return new Proportion(successes, trials, p, successes == 0 ? 0 : Math.Max(0, centre - half), successes == trials ? 1 : Math.Min(1, centre + half));
    }
}
