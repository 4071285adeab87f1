using System.Diagnostics.Metrics;
using MedicalAid.Api.Infrastructure;
using Npgsql;

namespace MedicalAid.Api.Tests;

public sealed class DatabaseSetupTests
{
    [Fact]
    public void PostgresDefaults_WhenNotWritten_PrepareStatementsAndKeepThemAcrossPooledConnections()
    {
        var connection = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithPostgresDefaults("Host=db;Database=medicalaid;Username=app"));

        Assert.Equal(64, connection.MaxAutoPrepare);
        Assert.True(connection.NoResetOnClose);
        Assert.Equal("db", connection.Host);
        Assert.Equal("medicalaid", connection.Database);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false")]
    [InlineData("Host=db;maxautoprepare=0;NoResetOnClose=false")]
    public void PostgresDefaults_WhenWrittenInTheConnectionString_KeepTheOperatorsValues(string connectionString)
    {
        var connection = new NpgsqlConnectionStringBuilder(DatabaseSetup.WithPostgresDefaults(connectionString));

        Assert.Equal(0, connection.MaxAutoPrepare);
        Assert.False(connection.NoResetOnClose);
    }

    [Fact]
    public void WriteGate_OnSqlite_LetsOneWriterInWhateverIsConfigured()
    {
        using var gate = new WriteGate(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, MaxConcurrentWrites = 16 });

        Assert.Equal(1, gate.Capacity);
    }

    [Fact]
    public void WriteGate_OnPostgres_LetsTwiceTheProcessorsInUnlessConfigured()
    {
        using var byDefault = new WriteGate(new DatabaseOptions { Provider = DatabaseProvider.Postgres });
        using var configured = new WriteGate(new DatabaseOptions { Provider = DatabaseProvider.Postgres, MaxConcurrentWrites = 3 });

        Assert.Equal(2 * Environment.ProcessorCount, byDefault.Capacity);
        Assert.Equal(3, configured.Capacity);
        Assert.Throws<InvalidOperationException>(() => new WriteGate(new DatabaseOptions { Provider = DatabaseProvider.Postgres, MaxConcurrentWrites = 0 }));
    }

    [Fact]
    public async Task WriteGate_WhenFull_QueuesTheNextWriterUntilOneLeaves()
    {
        using var gate = new WriteGate(new DatabaseOptions { Provider = DatabaseProvider.Postgres, MaxConcurrentWrites = 2 });
        var first = await gate.EnterAsync(TestContext.Current.CancellationToken);
        using var second = await gate.EnterAsync(TestContext.Current.CancellationToken);

        var third = gate.EnterAsync(TestContext.Current.CancellationToken);
        Assert.False(third.IsCompleted);
        first.Dispose();
        first.Dispose();
        using var entered = await third;
        Assert.False(gate.EnterAsync(TestContext.Current.CancellationToken).IsCompleted);
    }

    [Fact]
    public async Task WriteGate_ReportsInMicrosecondsHowLongItWasHeldAndWaitedFor()
    {
        var held = new System.Collections.Concurrent.ConcurrentBag<long>();
        var waited = new System.Collections.Concurrent.ConcurrentBag<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == WriteGate.MeterName)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            (instrument.Name == "medicalaid.write_gate.held" ? held : waited).Add(value));
        listener.Start();
        using var gate = new WriteGate(new DatabaseOptions { Provider = DatabaseProvider.Sqlite });

        var first = await gate.EnterAsync(TestContext.Current.CancellationToken);
        var second = gate.EnterAsync(TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        first.Dispose();
        (await second).Dispose();

        // Other tests' gates report on the same meter at the same time; none holds one for a quarter of a second.
        Assert.Contains(held, value => value is >= 250_000 and < 60_000_000);
        Assert.Contains(waited, value => value is >= 250_000 and < 60_000_000);
    }

    [Fact]
    public void IsTransient_WhenAPreparedStatementsTableWasChanged_RetriesButNotOtherUnsupportedFeatures()
    {
        var changedTable = new PostgresException("cached plan must not change result type", "ERROR", "ERROR", PostgresErrorCodes.FeatureNotSupported);
        var unsupported = new PostgresException("LOCK TABLE is not supported here", "ERROR", "ERROR", PostgresErrorCodes.FeatureNotSupported);

        Assert.True(DatabaseErrors.IsTransient(new InvalidOperationException("wrapped", changedTable)));
        Assert.False(DatabaseErrors.IsTransient(unsupported));
    }
}
