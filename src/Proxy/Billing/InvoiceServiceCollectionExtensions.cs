namespace Proxy.Billing;

internal static class InvoiceServiceCollectionExtensions
{
    /// <summary>Invoices per customer and month (GET/POST /admin/v1/customers/{id}/invoices/{yyyy-mm}).</summary>
    public static IServiceCollection AddProxyInvoices(this IServiceCollection services)
    {
        services.AddSingleton<InvoiceStore>();
        services.AddSingleton<InvoiceService>();
        return services;
    }
}
