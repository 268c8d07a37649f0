//! Functions whose last expression is an `async` block, as `#[async_trait]` generates them: the
//! call starts when the function is called and the returned future is instrumented.

impl Store for Db {
    #[dd_span]
    fn load<'life0, 'async_trait>(
        &'life0 self,
        id: u32,
    ) -> ::core::pin::Pin<
        Box<dyn ::core::future::Future<Output = Result<u32, StoreError>> + ::core::marker::Send + 'async_trait>,
    >
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let __self = self;
            let id = id;
            let __ret: Result<u32, StoreError> = { __self.get(id).await };
            #[allow(unreachable_code)]
            __ret
        })
    }

    #[dd_span]
    fn opaque<'life0, 'async_trait>(
        &'life0 self,
    ) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = impl Display> + ::core::marker::Send + 'async_trait>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { 1 })
    }
}

#[dd_timed]
fn later(id: u64) -> impl Future<Output = u64> {
    let doubled = id * 2;
    async move { doubled + 1 }
}
