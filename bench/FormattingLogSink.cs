using Microsoft.Extensions.Logging;

namespace Mnemosyne.Bench;

/// <summary>A log sink that formats each enabled line, as a real sink must, and then drops it.</summary>
public sealed class FormattingLogSink : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger();

    public void Dispose()
    {
    }

    private sealed class Logger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => GC.KeepAlive(formatter(state, exception));
    }
}
