"""One module per AppSync authorization mode, each implementing `app.auth.base.AuthMode`."""
