"""Every change of an order's status goes through one function here, one module per stage.

`order` may be an Order or its primary key. Each service re-reads the order under a row lock
(shop.inventory.locks: the order row, then products by ascending pk, so concurrent services
wait for each other but never deadlock), checks the transition in shop.orders.status (and, to
cancel, the actor's right in shop.orders.policy), acts, writes an OrderEvent, and raises an
OrderError with a clear Indonesian message when the step is not allowed. Repeating a step that
has already happened (a double click, two CS at once, a replayed gateway callback) changes
nothing and returns the order. `actor` is the user acting, or None for the system (the expiry
job, the payment gateway). The public contract is re-exported by shop.services.orders.
"""
