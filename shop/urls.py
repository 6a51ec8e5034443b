"""The storefront's shop pages: cart, checkout, the buyer's orders and account."""

from django.urls import path

from shop.cart import views as cart
from shop.checkout import account
from shop.checkout import views as checkout
from shop.orders import views as orders
from shop.payments import views as payments
from shop.shipping import views as shipping

app_name = "shop"

urlpatterns = [
    path("keranjang/", cart.cart_detail, name="cart"),
    path("keranjang/tambah/", cart.cart_add, name="cart_add"),
    path("keranjang/ubah/", cart.cart_update, name="cart_update"),
    path("keranjang/hapus/", cart.cart_remove, name="cart_remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/tinjau/", checkout.checkout_review, name="checkout_review"),
    path("pesanan/", orders.order_list, name="order_list"),
    path("pesanan/<str:number>/", orders.order_detail, name="order_detail"),
    path("pesanan/<str:number>/bukti/", payments.upload_payment_proof, name="payment_proof_upload"),
    path("pesanan/<str:number>/bukti/<int:proof_id>/", payments.payment_proof_file, name="payment_proof_file"),
    path("pesanan/<str:number>/batal/", orders.cancel_order, name="order_cancel"),
    path("pesanan/<str:number>/status/", orders.order_status, name="order_status"),
    path("pesanan/<str:number>/diterima/", orders.confirm_receipt, name="order_received"),
    path("pesanan/<str:number>/lacak/", orders.refresh_tracking, name="order_tracking_refresh"),
    path("pembayaran/tripay/callback/", payments.tripay_callback, name="tripay_callback"),
    path("wilayah/", shipping.region_children, name="region_children"),
    path("wilayah/cari/", shipping.region_search, name="region_search"),
    path("akun/", account.account_overview, name="account"),
    path("akun/alamat/baru/", account.address_create, name="address_create"),
    path("akun/alamat/<int:pk>/ubah/", account.address_edit, name="address_edit"),
    path("akun/alamat/<int:pk>/hapus/", account.address_delete, name="address_delete"),
    path("akun/alamat/<int:pk>/utama/", account.address_make_default, name="address_make_default"),
]
