"""Demo texts for the owner's pages, in Indonesian."""

ABOUT = """<p>Kami adalah usaha keluarga dari Yogyakarta yang menjual produk pilihan dari perajin dan UMKM di seluruh Indonesia.
Setiap produk kami cek sendiri sebelum dikirim.</p>
<p>Toko ini berjalan di server kami sendiri dengan TokoKu, jadi data Anda tidak dijual ke siapa pun.</p>"""

HOW_TO_ORDER = """<ol>
<li>Pilih produk dan tekan <b>Tambah ke Keranjang</b>.</li>
<li>Buka keranjang, periksa jumlah, lalu tekan <b>Checkout</b>. Masuk atau daftar dengan email atau Google.</li>
<li>Isi alamat pengiriman, pilih kurir dan metode pembayaran.</li>
<li>Transfer sesuai total <b>persis sampai tiga digit terakhir</b> (kode unik) ke salah satu rekening kami.</li>
<li>Unggah bukti transfer di halaman <b>Pesanan Saya</b>. Tim kami memverifikasi dalam 1×24 jam.</li>
<li>Pesanan dikemas dan dikirim; nomor resi muncul di halaman pesanan Anda.</li>
</ol>
<p>Pesanan yang belum dibayar atau belum diverifikasi dalam 24 jam dibatalkan otomatis.</p>"""

SHIPPING = """<h3>Pengiriman</h3>
<p>Kami mengirim setiap hari Senin–Sabtu pukul 15.00 WIB melalui JNE, J&amp;T, SiCepat dan Pos Indonesia.
Ongkos kirim dihitung dari berat total pesanan.</p>
<h3>Pengembalian</h3>
<p>Barang rusak atau salah kirim? Hubungi kami lewat WhatsApp dalam 2×24 jam setelah paket diterima
dengan video unboxing. Kami ganti barangnya atau kembalikan dana Anda.</p>"""

FAQ = """<h3>Apakah bisa bayar di tempat (COD)?</h3><p>Belum. Pembayaran melalui transfer bank.</p>
<h3>Berapa lama verifikasi pembayaran?</h3><p>Biasanya kurang dari 2 jam pada jam kerja (08.00–20.00 WIB).</p>
<h3>Bagaimana melacak paket?</h3><p>Nomor resi tampil di halaman <b>Pesanan Saya</b> setelah paket dikirim.</p>
<h3>Bisa pesan dalam jumlah besar?</h3><p>Bisa. Hubungi kami lewat WhatsApp untuk harga grosir.</p>"""
