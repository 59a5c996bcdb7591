using System.Reflection;

namespace EdgeCloud.Console;

/// <summary>The console's stylesheet and script, embedded in the assembly and served from it (no CDN, no build step).</summary>
public static class ConsoleAssets
{
    private static readonly Dictionary<string, (byte[] Bytes, string Type)> s_files = Load();

    /// <summary>The versioned URL of an asset (the version changes with the assembly, so browsers may cache it).</summary>
    public static string Path(string file) => $"/console/{file}?v={Version}";

    private static string Version { get; } = typeof(ConsoleAssets).Assembly.ManifestModule.ModuleVersionId.ToString("n")[..12];

    public static void MapConsoleAssets(this IEndpointRouteBuilder app) =>
        app.MapGet("/console/{file}", (string file, HttpContext http) =>
        {
            if (!s_files.TryGetValue(file, out var asset))
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = "public, max-age=86400";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return Results.Bytes(asset.Bytes, asset.Type);
        }).AllowAnonymous();

    private static Dictionary<string, (byte[], string)> Load()
    {
        Assembly assembly = typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (string file in new[] { "console.css", "console.js" })
        {
            using Stream stream = assembly.GetManifestResourceStream($"EdgeCloud.Console.Assets.{file}")
                ?? throw new InvalidOperationException($"the console asset {file} is not embedded in {assembly.GetName().Name}");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            files[file] = (buffer.ToArray(), file.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        }

        return files;
    }
}
