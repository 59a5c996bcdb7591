using System.Buffers.Binary;

namespace EdgeCloud.Console;

/// <summary>
/// A clip's spectrogram as inline SVG (no script, no image decoding): 25 ms Hann frames every <c>duration/columns</c>,
/// the magnitude of bands of equal width from 0 to 8 kHz (a direct DFT of the few bins drawn: a clip is seconds long),
/// in dB relative to the clip's loudest cell, from 60 dB below it (white) to it (dark).
/// </summary>
public static class Spectrogram
{
    private const int Columns = 120, Bands = 40, Frame = 400;
    private const double Width = 720, Height = 240, FloorDb = -60;

    public static void Write(HtmlWriter html, ReadOnlySpan<byte> pcm16, int sampleRate)
    {
        int samples = pcm16.Length / 2;
        var signal = new float[samples];
        for (int i = 0; i < samples; i++)
        {
            signal[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm16[(2 * i)..]) / 32768f;
        }

        double[,] db = Levels(signal, sampleRate);
        double cellW = Width / Columns, cellH = Height / Bands;
        html.Open("svg", ("viewBox", $"0 0 {HtmlWriter.Number(Width)} {HtmlWriter.Number(Height + 16)}"), ("role", "img"), ("aria-label", "Spectrogram, 0 to 8 kHz"),
            ("data-testid", "spectrogram"), ("class", "spectrogram"));
        for (int c = 0; c < Columns; c++)
        {
            for (int b = 0; b < Bands; b++)
            {
                double level = Math.Clamp((db[c, b] - FloorDb) / -FloorDb, 0, 1);
                if (level < 0.05)
                {
                    continue; // the background is white
                }

                html.Void("rect", ("x", HtmlWriter.Number(c * cellW)), ("y", HtmlWriter.Number(Height - ((b + 1) * cellH))), ("width", HtmlWriter.Number(cellW + 0.3)),
                    ("height", HtmlWriter.Number(cellH + 0.3)), ("fill", "#1f3f7f"), ("fill-opacity", HtmlWriter.Number(level, "0.##")));
            }
        }

        html.Element("text", "0 Hz", ("x", "2"), ("y", HtmlWriter.Number(Height + 12)));
        html.Element("text", $"{sampleRate / 2000} kHz at the top · {HtmlWriter.Number(samples / (double)sampleRate, "0.00")} s", ("x", HtmlWriter.Number(Width - 2)), ("y", HtmlWriter.Number(Height + 12)), ("text-anchor", "end"));
        html.Close();
    }

    private static double[,] Levels(float[] signal, int sampleRate)
    {
        var power = new double[Columns, Bands];
        double max = 1e-12;
        double hop = Math.Max(1, (signal.Length - Frame) / (double)(Columns - 1));
        var window = new double[Frame];
        for (int n = 0; n < Frame; n++)
        {
            window[n] = 0.5 - (0.5 * Math.Cos(2 * Math.PI * n / (Frame - 1)));
        }

        var cos = new double[Bands, Frame];
        var sin = new double[Bands, Frame];
        for (int b = 0; b < Bands; b++)
        {
            double w = 2 * Math.PI * ((b + 0.5) * (sampleRate / 2.0) / Bands) / sampleRate;
            for (int n = 0; n < Frame; n++)
            {
                cos[b, n] = Math.Cos(w * n) * window[n];
                sin[b, n] = Math.Sin(w * n) * window[n];
            }
        }

        for (int c = 0; c < Columns; c++)
        {
            int start = (int)(c * hop);
            if (start + Frame > signal.Length)
            {
                break;
            }

            for (int b = 0; b < Bands; b++)
            {
                double re = 0, im = 0;
                for (int n = 0; n < Frame; n++)
                {
                    re += signal[start + n] * cos[b, n];
                    im -= signal[start + n] * sin[b, n];
                }

                power[c, b] = (re * re) + (im * im);
                max = Math.Max(max, power[c, b]);
            }
        }

        for (int c = 0; c < Columns; c++)
        {
            for (int b = 0; b < Bands; b++)
            {
                power[c, b] = 10 * Math.Log10(Math.Max(power[c, b], 1e-12) / max);
            }
        }

        return power;
    }
}
