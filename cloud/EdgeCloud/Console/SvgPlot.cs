using EdgeAgent.Drift.Profiles;
using static EdgeCloud.Console.HtmlWriter;

namespace EdgeCloud.Console;

/// <summary>
/// Plots drawn on the server as inline SVG from exact numbers (merged histograms, hourly scores): a distribution
/// against the reference, a series over time with its threshold line, the 32-band fingerprint against the reference.
/// Each has a title and an accessible name, and states its numbers in a caption for those who cannot see it.
/// </summary>
public static class SvgPlot
{
    private const double Width = 540, Height = 220, Left = 68, Right = 12, Top = 14, Bottom = 30;
    private const string CohortColour = "#c2410c", ReferenceColour = "#64748b", ThresholdColour = "#b42318";

    /// <summary>The cohort's distribution of one feature (fractions per bin) over the reference's, trimmed to where either has mass.</summary>
    public static void Distribution(HtmlWriter html, string testId, string title, Histogram cohort, Histogram reference, string unit)
    {
        int first = 0, last = cohort.Bins - 1;
        while (first < last && cohort.Counts[first] == 0 && reference.Counts[first] == 0)
        {
            first++;
        }

        while (last > first && cohort.Counts[last] == 0 && reference.Counts[last] == 0)
        {
            last--;
        }

        double[] c = Fractions(cohort, first, last), r = Fractions(reference, first, last);
        double yMax = Math.Max(1e-9, Math.Max(c.Max(), r.Max()));
        double x0 = cohort.Min + first * cohort.BinWidth, x1 = cohort.Min + (last + 1) * cohort.BinWidth;
        Start(html, testId, title);
        Axes(html, $"{Number(x0)} {unit}", $"{Number(x1)} {unit}", "0", Number(yMax, "0.###"));
        Path(html, Steps(r, yMax), ReferenceColour, fill: "#cbd5e1");
        Path(html, Steps(c, yMax), CohortColour, fill: null);
        Legend(html, ("cohort", CohortColour), ("reference", ReferenceColour));
        html.Close();
    }

    /// <summary>A value over time (dots joined by a line) with a dashed threshold line.</summary>
    public static void OverTime(HtmlWriter html, string testId, string title, IReadOnlyList<(DateTimeOffset At, double Value)> points, string unit, double? threshold)
    {
        Start(html, testId, title);
        if (points.Count == 0)
        {
            html.Element("text", "no data in this period", ("x", Number(Width / 2)), ("y", Number(Height / 2)), ("text-anchor", "middle"));
            html.Close();
            return;
        }

        double yMax = Math.Max(points.Max(p => p.Value), threshold ?? 0) * 1.15;
        double yMin = Math.Min(0, points.Min(p => p.Value));
        yMax = yMax <= yMin ? yMin + 1 : yMax;
        DateTimeOffset t0 = points[0].At, t1 = points[^1].At;
        double span = Math.Max(1, (t1 - t0).TotalSeconds);
        double X(DateTimeOffset t) => points.Count == 1 ? Left + (Width - Left - Right) / 2 : Left + (t - t0).TotalSeconds / span * (Width - Left - Right);
        double Y(double v) => Top + (1 - (v - yMin) / (yMax - yMin)) * (Height - Top - Bottom);
        Axes(html, ConsoleLayout.Time(t0)[11..16], ConsoleLayout.Time(t1)[11..16] + " UTC", Number(yMin), Number(yMax));
        html.Element("text", unit, ("x", Number(Left + 4)), ("y", Number(Top + 4)));
        if (threshold is { } th)
        {
            html.Void("line", ("x1", Number(Left)), ("x2", Number(Width - Right)), ("y1", Number(Y(th))), ("y2", Number(Y(th))),
                ("stroke", ThresholdColour), ("stroke-dasharray", "6 4"), ("stroke-width", "1.5"), ("data-threshold", Number(th, "0.####")));
        }

        if (points.Count > 1)
        {
            html.Void("polyline", ("points", string.Join(' ', points.Select(p => $"{Number(X(p.At))},{Number(Y(p.Value))}"))), ("fill", "none"), ("stroke", CohortColour), ("stroke-width", "2"));
        }

        foreach ((DateTimeOffset at, double v) in points)
        {
            html.Open("circle", ("cx", Number(X(at))), ("cy", Number(Y(v))), ("r", "3.5"), ("fill", CohortColour));
            html.Element("title", $"{ConsoleLayout.Time(at)}: {Number(v, "0.###")} {unit}");
            html.Close();
        }

        Legend(html, threshold is null ? [("value", CohortColour)] : [("score", CohortColour), ("threshold", ThresholdColour)]);
        html.Close();
    }

    /// <summary>The mean level of each mel band, the cohort shifted by its mean difference (the fingerprint compares shapes, not level).</summary>
    public static void Fingerprint(HtmlWriter html, string testId, string title, IReadOnlyList<double> cohort, IReadOnlyList<double> reference)
    {
        double offset = cohort.Zip(reference, (c, r) => c - r).Average();
        double[] c = cohort.Select(v => v - offset).ToArray();
        double yMin = Math.Min(c.Min(), reference.Min()), yMax = Math.Max(c.Max(), reference.Max());
        yMax = yMax <= yMin ? yMin + 1 : yMax;
        double X(int band) => Left + band / (double)(c.Length - 1) * (Width - Left - Right);
        double Y(double v) => Top + (1 - (v - yMin) / (yMax - yMin)) * (Height - Top - Bottom);
        Start(html, testId, title);
        Axes(html, "band 1 (low)", $"band {c.Length} (high)", $"{Number(yMin, "0")} dB", $"{Number(yMax, "0")} dB");
        html.Void("polyline", ("points", string.Join(' ', reference.Select((v, i) => $"{Number(X(i))},{Number(Y(v))}"))), ("fill", "none"), ("stroke", ReferenceColour), ("stroke-width", "2"));
        html.Void("polyline", ("points", string.Join(' ', c.Select((v, i) => $"{Number(X(i))},{Number(Y(v))}"))), ("fill", "none"), ("stroke", CohortColour), ("stroke-width", "2"));
        Legend(html, ("cohort (level-aligned)", CohortColour), ("reference", ReferenceColour));
        html.Close();
    }

    /// <summary>Proportions with their intervals (a dot on a whisker per item, none for an item without an estimate) on [0, 1], with a dashed floor.</summary>
    public static void Intervals(HtmlWriter html, string testId, string title, IReadOnlyList<(string Label, double? Estimate, double Low, double High)> items, double? floor)
    {
        Start(html, testId, title);
        double Y(double v) => Top + (1 - v) * (Height - Top - Bottom);
        double step = (Width - Left - Right) / Math.Max(1, items.Count);
        Axes(html, items.Count == 0 ? "nothing labelled" : "", "", "0", "1");
        if (floor is { } f)
        {
            html.Void("line", ("x1", Number(Left)), ("x2", Number(Width - Right)), ("y1", Number(Y(f))), ("y2", Number(Y(f))),
                ("stroke", ThresholdColour), ("stroke-dasharray", "6 4"), ("stroke-width", "1.5"), ("data-threshold", Number(f, "0.####")));
        }

        for (int i = 0; i < items.Count; i++)
        {
            (string label, double? estimate, double low, double high) = items[i];
            double x = Left + ((i + 0.5) * step);
            html.Open("g", ("data-testid", "interval"), ("data-label", label));
            html.Void("line", ("x1", Number(x)), ("x2", Number(x)), ("y1", Number(Y(low))), ("y2", Number(Y(high))), ("stroke", ReferenceColour), ("stroke-width", "3"));
            if (estimate is { } e)
            {
                html.Open("circle", ("cx", Number(x)), ("cy", Number(Y(e))), ("r", "5"), ("fill", CohortColour));
                html.Element("title", $"{label}: {Number(e, "0.###")} [{Number(low, "0.###")}, {Number(high, "0.###")}]");
                html.Close();
            }

            html.Element("text", label, ("x", Number(x)), ("y", Number(Height - 16)), ("text-anchor", "middle"));
            html.Close();
        }

        html.Close();
    }

    private static double[] Fractions(Histogram h, int first, int last)
    {
        double[] f = new double[last - first + 1];
        for (int i = first; i <= last && h.Total > 0; i++)
        {
            f[i - first] = (double)h.Counts[i] / h.Total;
        }

        return f;
    }

    /// <summary>A step outline over the bins, closed on the x axis.</summary>
    private static string Steps(double[] values, double yMax)
    {
        double w = (Width - Left - Right) / values.Length, baseY = Height - Bottom;
        var d = new System.Text.StringBuilder($"M{Number(Left)},{Number(baseY)}");
        for (int i = 0; i < values.Length; i++)
        {
            double y = baseY - values[i] / yMax * (Height - Top - Bottom);
            d.Append($" L{Number(Left + i * w)},{Number(y)} L{Number(Left + (i + 1) * w)},{Number(y)}");
        }

        return d.Append($" L{Number(Width - Right)},{Number(baseY)} Z").ToString();
    }

    private static void Path(HtmlWriter html, string d, string stroke, string? fill) =>
        html.Void("path", ("d", d), ("fill", fill ?? "none"), ("fill-opacity", fill is null ? null : "0.7"), ("stroke", stroke), ("stroke-width", "1.5"));

    private static void Start(HtmlWriter html, string testId, string title)
    {
        html.Open("svg", ("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", $"0 0 {Number(Width)} {Number(Height)}"), ("width", Number(Width)), ("height", Number(Height)),
            ("role", "img"), ("aria-label", title), ("data-testid", testId));
        html.Element("title", title);
    }

    private static void Axes(HtmlWriter html, string xFrom, string xTo, string yFrom, string yTo)
    {
        html.Void("line", ("x1", Number(Left)), ("x2", Number(Left)), ("y1", Number(Top)), ("y2", Number(Height - Bottom)), ("stroke", "#94a3b8"));
        html.Void("line", ("x1", Number(Left)), ("x2", Number(Width - Right)), ("y1", Number(Height - Bottom)), ("y2", Number(Height - Bottom)), ("stroke", "#94a3b8"));
        html.Element("text", xFrom, ("x", Number(Left)), ("y", Number(Height - 10)));
        html.Element("text", xTo, ("x", Number(Width - Right)), ("y", Number(Height - 10)), ("text-anchor", "end"));
        html.Element("text", yTo, ("x", Number(Left - 4)), ("y", Number(Top + 4)), ("text-anchor", "end"));
        html.Element("text", yFrom, ("x", Number(Left - 4)), ("y", Number(Height - Bottom)), ("text-anchor", "end"));
    }

    private static void Legend(HtmlWriter html, params (string Text, string Colour)[] items)
    {
        double x = Width - Right - 150, y = Top + 4;
        foreach ((string text, string colour) in items)
        {
            html.Void("rect", ("x", Number(x)), ("y", Number(y)), ("width", "10"), ("height", "10"), ("fill", colour));
            html.Element("text", text, ("x", Number(x + 14)), ("y", Number(y + 9)));
            y += 14;
        }
    }
}
