'use strict';
// The extension the system test packs into a .vsix (tests/ctl/make-vsix.py)
// and installs with openvscodectl install-extension. When an extension host
// activates it, it says so in the extension host's log.
exports.activate = function (context) {
    console.log(`${context.extension.id} activated in pid ${process.pid}`);
};

exports.deactivate = function () {};
