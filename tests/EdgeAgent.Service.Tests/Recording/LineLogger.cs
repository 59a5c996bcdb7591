using Microsoft.Extensions.Logging;

namespace EdgeAgent.Service.Tests.Recording;

/// <summary>A logger that keeps every line it is given, with its level, for tests to count.</summary>
internal sealed class LineLogger : ILogger
{
    private readonly List<(LogLevel Level, EventId Id, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((logLevel, eventId, formatter(state, exception)));
        }
    }

    public int Count(int eventId) => Lines.Count(l => l.Id.Id == eventId);
}
