//! Runtime of the shipped wasm (feature `standalone`, no std): a panic
//! aborts the wasm instance without formatting anything, and memory comes
//! from a small free-list allocator. The wasm is single-threaded, so the
//! allocator's lock-free wrapper is sound. Also compiled into the core's
//! size-floor tool (`tools/size-floor`), so both measure the same runtime.

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
