using Proxy.Billing;
using Proxy.Customers;
using Proxy.Sessions;

namespace Proxy.Admin;

/// <summary>Customers and their proxy keys (their Deepgram keys: <see cref="UpstreamKeyEndpoints"/>).</summary>
internal static class CustomerEndpoints
{
    private const int MaxNameLength = 200;

    public static RouteGroupBuilder MapCustomerEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/customers", ListCustomersAsync);
        admin.MapPut("/customers/{customerId}", UpsertCustomerAsync);
        admin.MapGet("/customers/{customerId}", GetCustomerAsync);
        admin.MapDelete("/customers/{customerId}", DeleteCustomerAsync)
            .WithName("DeleteCustomer")
            .WithSummary("Deletes a disabled customer (offboarding)")
            .WithDescription("Revokes its keys on every instance, removes its settings, upstream key and key list and takes it off the customer list; its records, usage and invoices stay until their retention. 409 customer_enabled while it is enabled, 404 when unknown.")
            .Produces<CustomerDeleted>()
            .Produces<ErrorBody>(StatusCodes.Status404NotFound)
            .Produces<ErrorBody>(StatusCodes.Status409Conflict);
        admin.MapPost("/customers/{customerId}/keys", IssueKeyAsync);
        admin.MapGet("/customers/{customerId}/keys", ListKeysAsync);
        admin.MapPatch("/keys/{keyId}", KeyPatchEndpoint.PatchAsync);
        admin.MapDelete("/keys/{keyId}", RevokeKeyAsync);
        return admin;
    }

    /// <summary>Customers by id, a page at a time (<see cref="ListPaging"/>).</summary>
    private static async Task<IResult> ListCustomersAsync(HttpRequest request, CustomerStore store)
    {
        var (limit, limitError) = ListPaging.ReadLimit(request.Query);
        if (limitError is not null)
        {
            return limitError;
        }

        CustomerCursor? after = null;
        if (request.Query.ContainsKey("cursor"))
        {
            if (!CustomerCursor.TryParse(request.Query["cursor"], out var parsed))
            {
                return ListPaging.CursorError();
            }

            after = parsed;
        }

        var (customers, continueAfter) = await store.ListPageAsync(after?.CustomerId, limit).ConfigureAwait(false);
        var next = continueAfter is null ? null : new CustomerCursor(continueAfter).ToString();
        return AdminResults.Json(new CustomerList([.. customers.Select(View)], next), AdminJsonContext.Default.CustomerList);
    }

    /// <summary>Offboarding: see <see cref="CustomerOffboarding"/>. Answers 200 with how many keys it revoked.</summary>
    private static async Task<IResult> DeleteCustomerAsync(string customerId, CustomerOffboarding offboarding)
    {
        if (InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var (outcome, keysRevoked) = await offboarding.DeleteAsync(customerId).ConfigureAwait(false);
        return outcome switch
        {
            CustomerDeletionOutcome.Deleted => AdminResults.Json(new CustomerDeleted(customerId, keysRevoked), AdminJsonContext.Default.CustomerDeleted),
            CustomerDeletionOutcome.Enabled => AdminResults.Error(StatusCodes.Status409Conflict, "customer_enabled",
                $"Customer '{customerId}' is enabled: disable it first (PUT /admin/v1/customers/{customerId} with {{\"disabled\":true}}), which closes its live sessions."),
            _ => AdminResults.NotFound($"No customer '{customerId}'."),
        };
    }

    /// <summary>Creates or updates a customer; <c>disabled: true</c> also closes its live sessions on every instance
    /// (customer_disabled). An instance that misses the broadcast closes them at its next heartbeat.</summary>
    private static async Task<IResult> UpsertCustomerAsync(
        string customerId, HttpRequest request, CustomerStore store, SessionControlChannel channel, CustomerCurrencyRule currencyRule)
    {
        if (InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var (body, error) = await AdminResults.ReadBodyAsync(request, AdminJsonContext.Default.CustomerUpsertBody, new CustomerUpsertBody(null, null, null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (body!.Name is { Length: > MaxNameLength } || body.Plan is { Length: > MaxNameLength })
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_body", $"name and plan are at most {MaxNameLength} characters.");
        }

        if (!string.IsNullOrEmpty(body.Plan) && await currencyRule.ConflictAsync(customerId, body.Plan).ConfigureAwait(false) is { } conflict)
        {
            return AdminResults.Error(StatusCodes.Status409Conflict, "currency_mismatch",
                $"Plan '{body.Plan}' is priced in {conflict.PlanCurrency} but customer '{customerId}' has usage in {conflict.UsageCurrency} this month; a customer has one currency a month.");
        }

        var (customer, created) = await store.UpsertAsync(customerId, body.Name, body.Plan, body.Disabled).ConfigureAwait(false);
        if (body.Disabled is true)
        {
            await channel.PublishAsync(new ControlMessage { Kind = ControlMessage.CustomerDisabled, CustomerId = customerId }).ConfigureAwait(false);
        }

        return AdminResults.Json(View(customer), AdminJsonContext.Default.CustomerView, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> GetCustomerAsync(string customerId, CustomerStore store)
    {
        if (InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var customer = await store.GetAsync(customerId).ConfigureAwait(false);
        return customer is null
            ? AdminResults.NotFound($"No customer '{customerId}'.")
            : AdminResults.Json(View(customer), AdminJsonContext.Default.CustomerView);
    }

    private static async Task<IResult> IssueKeyAsync(string customerId, HttpRequest request, CustomerStore store, TimeProvider time)
    {
        if (InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var (body, error) = await AdminResults.ReadBodyAsync(request, AdminJsonContext.Default.IssueKeyBody, new IssueKeyBody(null)).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        long? expiresAtMs = null;
        if (body!.ExpiresAt is { ValueKind: not System.Text.Json.JsonValueKind.Null } expires)
        {
            if (!AdminTime.TryParse(expires, out var parsed))
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_body",
                    "expires_at must be Unix milliseconds or an ISO-8601 instant such as \"2026-12-31T23:59:59Z\".");
            }

            if (parsed <= time.GetUtcNow().ToUnixTimeMilliseconds())
            {
                return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_body", "expires_at must be in the future.");
            }

            expiresAtMs = parsed;
        }

        if (await store.GetAsync(customerId).ConfigureAwait(false) is null)
        {
            return AdminResults.NotFound($"No customer '{customerId}': create it with PUT /admin/v1/customers/{customerId} first.");
        }

        var (key, secret) = await store.IssueKeyAsync(customerId, expiresAtMs).ConfigureAwait(false);
        var view = new IssuedKeyView(key.KeyId, secret, key.CustomerId, key.Prefix, key.CreatedAtMs, key.ExpiresAtMs);
        return AdminResults.Json(view, AdminJsonContext.Default.IssuedKeyView, StatusCodes.Status201Created);
    }

    /// <summary>The customer's keys, oldest first, a page at a time (<see cref="ListPaging"/>).</summary>
    private static async Task<IResult> ListKeysAsync(string customerId, HttpRequest request, CustomerStore store, TimeProvider time)
    {
        if (InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var (limit, limitError) = ListPaging.ReadLimit(request.Query);
        if (limitError is not null)
        {
            return limitError;
        }

        KeyCursor? after = null;
        if (request.Query.ContainsKey("cursor"))
        {
            if (!KeyCursor.TryParse(request.Query["cursor"], out var parsed))
            {
                return ListPaging.CursorError();
            }

            after = parsed;
        }

        if (await store.GetAsync(customerId).ConfigureAwait(false) is null)
        {
            return AdminResults.NotFound($"No customer '{customerId}'.");
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var (keys, next) = KeyListPage.Cut(await store.ListKeysAsync(customerId).ConfigureAwait(false), after, limit);
        return AdminResults.Json(new KeyList([.. keys.Select(k => View(k, now))], next?.ToString()), AdminJsonContext.Default.KeyList);
    }

    /// <summary>Revokes a key and closes its live sessions on every instance (key_revoked); <c>?close_sessions=false</c>
    /// keeps them running. An instance that misses the broadcast closes them at its next heartbeat.</summary>
    private static async Task<IResult> RevokeKeyAsync(string keyId, HttpRequest request, CustomerStore store, SessionControlChannel channel, TimeProvider time)
    {
        var closeSessions = request.Query["close_sessions"].ToString();
        if (closeSessions.Length > 0 && closeSessions is not ("true" or "false"))
        {
            return AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_query", "close_sessions must be true or false.");
        }

        var close = closeSessions != "false";
        var key = await store.RevokeKeyAsync(keyId, close).ConfigureAwait(false);
        if (key is null)
        {
            return AdminResults.NotFound($"No key '{keyId}'.");
        }

        if (close)
        {
            await channel.PublishAsync(new ControlMessage { Kind = ControlMessage.CloseKey, KeyId = keyId }).ConfigureAwait(false);
        }

        return AdminResults.Json(View(key, time.GetUtcNow().ToUnixTimeMilliseconds()), AdminJsonContext.Default.KeyView);
    }

    internal static IResult? InvalidCustomerId(string customerId) =>
        CustomerIds.IsValid(customerId)
            ? null
            : AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_customer_id", $"A customer id is {CustomerIds.Rule}.");

    internal static CustomerView View(Customer c) =>
        new(c.CustomerId, c.Name, c.Plan, c.Disabled, c.CreatedAtMs, c.HasUpstreamKey,
            c.UpstreamKeySource is { } source ? new UpstreamKeyView(source, c.DeepgramKeyId, c.UpstreamKeySinceMs) : null);

    internal static KeyView View(ProxyKey k, long nowMs) =>
        new(k.KeyId, k.CustomerId, k.Prefix, k.StatusAt(nowMs), k.CreatedAtMs, k.ExpiresAtMs, k.RevokedAtMs, k.MonthlyBudgetMicros);
}
