using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace EdgeCloud.Console;

/// <summary>
/// Builds HTML (and inline SVG) on the server: every text and attribute value goes through <see cref="HtmlEncoder"/>,
/// so a device id, label or reason can never become markup. Tag and attribute names come from the console's code only.
/// </summary>
public sealed class HtmlWriter
{
    private static readonly HtmlEncoder s_encoder = HtmlEncoder.Default;
    private readonly StringBuilder _out = new(4096);
    private readonly Stack<string> _open = new();

    /// <summary>An opening tag; attributes with a null value are left out.</summary>
    public HtmlWriter Open(string tag, params ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        Start(tag, attributes);
        _open.Push(tag);
        return this;
    }

    /// <summary>An element without content or closing tag (input, meta, link; or a self-closed SVG shape).</summary>
    public HtmlWriter Void(string tag, params ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        Start(tag, attributes);
        if (_open.Count > 0 && IsSvg)
        {
            _out.Insert(_out.Length - 1, " /");
        }

        return this;
    }

    public HtmlWriter Close()
    {
        _out.Append("</").Append(_open.Pop()).Append('>');
        return this;
    }

    public HtmlWriter Text(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _out.Append(s_encoder.Encode(text));
        }

        return this;
    }

    /// <summary>An element holding only text.</summary>
    public HtmlWriter Element(string tag, string? text, params ReadOnlySpan<(string Name, string? Value)> attributes) =>
        Open(tag, attributes).Text(text).Close();

    /// <summary>Markup the console itself wrote (the doctype, another writer's output); never user data.</summary>
    public HtmlWriter Trusted(string html)
    {
        _out.Append(html);
        return this;
    }

    public override string ToString() => _out.ToString();

    /// <summary>A number for an SVG coordinate or a table cell, culture-invariant.</summary>
    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    private bool IsSvg => _open.Contains("svg");

    private void Start(string tag, ReadOnlySpan<(string Name, string? Value)> attributes)
    {
        _out.Append('<').Append(tag);
        foreach ((string name, string? value) in attributes)
        {
            if (value is not null)
            {
                _out.Append(' ').Append(name).Append("=\"").Append(s_encoder.Encode(value)).Append('"');
            }
        }

        _out.Append('>');
    }
}
