namespace EdgeCloud.Quality;

/// <summary>The Wilson score interval of a proportion (95 %, z = 1.96): honest for small counts, never outside [0, 1].</summary>
public static class Wilson
{
    public const double Z95 = 1.959963984540054;

    /// <returns>(0, 1) when there is no trial: nothing is known yet.</returns>
    public static (double Low, double High) Interval(long successes, long trials, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (trials == 0)
        {
            return (0, 1);
        }

        double n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // The exact ends for all-or-nothing counts (rounding would put them a hair inside).
        double low = successes == 0 ? 0 : Math.Max(0, centre - half);
        double high = successes == trials ? 1 : Math.Min(1, centre + half);
        return (low, high);
    }
}
