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
}
